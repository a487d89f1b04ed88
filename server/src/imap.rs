//! IMAP gateway to the user's MSSanté operator: STARTTLS on 143 (certificate checked against the
//! configured CA), then SASL XOAUTH2 with the user's PSC access token.

use crate::config::ImapConfig;
use crate::error::Error;
use crate::message;
use app::api::{MessageList, MessageView};
use async_imap::types::Flag;
use futures::TryStreamExt;
use std::{sync::Arc, time::Duration};
use tokio::net::TcpStream;
use tokio_rustls::{TlsConnector, client::TlsStream, rustls};

const TIMEOUT: Duration = Duration::from_secs(15);
/// Messages shown on the first page of the list.
pub const PAGE_SIZE: u32 = 50;

pub struct ImapGateway {
    config: ImapConfig,
    tls: TlsConnector,
    server_name: rustls::pki_types::ServerName<'static>,
}

/// XOAUTH2 initial response; any further challenge is the server's error report, answered empty.
struct XOAuth2<'a> {
    user: &'a str,
    token: &'a str,
    sent: bool,
}

impl async_imap::Authenticator for XOAuth2<'_> {
    type Response = String;
    fn process(&mut self, _challenge: &[u8]) -> String {
        if std::mem::replace(&mut self.sent, true) {
            String::new()
        } else {
            format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token)
        }
    }
}

fn unreachable(e: impl std::fmt::Display) -> Error {
    Error::OperatorUnreachable(e.to_string())
}

fn protocol(e: async_imap::error::Error) -> Error {
    match e {
        async_imap::error::Error::Io(e) => unreachable(e),
        async_imap::error::Error::ConnectionLost => unreachable("connection lost"),
        e => Error::Imap(e.to_string()),
    }
}

async fn timed<T>(f: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    tokio::time::timeout(TIMEOUT, f).await.map_err(|_| unreachable("timeout"))?
}

impl ImapGateway {
    pub fn new(config: ImapConfig) -> Result<Self, Error> {
        let pem = std::fs::read(&config.ca_file)
            .map_err(|e| unreachable(format!("CA file {}: {e}", config.ca_file.display())))?;
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
            roots.add(cert.map_err(unreachable)?).map_err(unreachable)?;
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(unreachable)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let server_name = rustls::pki_types::ServerName::try_from(config.host.clone()).map_err(unreachable)?;
        Ok(Self { config, tls: TlsConnector::from(Arc::new(tls)), server_name })
    }

    /// Connect, STARTTLS, authenticate as `mailbox` with the PSC access token.
    pub async fn open(&self, mailbox: &str, access_token: &str) -> Result<ImapSession, Error> {
        timed(async {
            let tcp = TcpStream::connect((self.config.host.as_str(), self.config.port)).await.map_err(unreachable)?;
            let mut client = async_imap::Client::new(tcp);
            client.read_response().await.map_err(unreachable)?.ok_or_else(|| unreachable("no greeting"))?;
            client.run_command_and_check_ok("STARTTLS", None).await.map_err(protocol)?;
            let tls = self.tls.connect(self.server_name.clone(), client.into_inner()).await.map_err(unreachable)?;
            let client = async_imap::Client::new(tls);
            let authenticator = XOAuth2 { user: mailbox, token: access_token, sent: false };
            match client.authenticate("XOAUTH2", authenticator).await {
                Ok(session) => Ok(ImapSession { inner: session }),
                Err((async_imap::error::Error::No(reason), _)) => Err(Error::OperatorRefused(reason)),
                Err((e, _)) => Err(protocol(e)),
            }
        })
        .await
    }
}

pub struct ImapSession {
    inner: async_imap::Session<TlsStream<TcpStream>>,
}

impl ImapSession {
    /// The newest `PAGE_SIZE` messages of INBOX, newest first.
    pub async fn inbox(&mut self, mailbox: &str, now: i64) -> Result<MessageList, Error> {
        timed(async {
            let status = self.inner.status("INBOX", "(MESSAGES UNSEEN)").await.map_err(protocol)?;
            let selected = self.inner.select("INBOX").await.map_err(protocol)?;
            let total = selected.exists;
            let mut messages = Vec::new();
            if total > 0 {
                let first = total.saturating_sub(PAGE_SIZE - 1).max(1);
                let fetches: Vec<_> = self
                    .inner
                    .fetch(format!("{first}:{total}"), "(UID FLAGS INTERNALDATE BODY.PEEK[HEADER])")
                    .await
                    .map_err(protocol)?
                    .try_collect()
                    .await
                    .map_err(protocol)?;
                for f in fetches.iter().rev() {
                    let Some(uid) = f.uid else { continue };
                    let seen = f.flags().any(|flag| flag == Flag::Seen);
                    let received = f.internal_date().map(|d| d.timestamp()).unwrap_or(now);
                    messages.push(message::summary(uid, seen, f.header().unwrap_or_default(), received, now));
                }
            }
            Ok(MessageList { mailbox: mailbox.to_string(), total, unseen: status.unseen.unwrap_or(0), messages })
        })
        .await
    }

    /// One INBOX message by UID (marks it read, as opening a message does).
    pub async fn message(&mut self, uid: u32) -> Result<MessageView, Error> {
        timed(async {
            self.inner.select("INBOX").await.map_err(protocol)?;
            let fetches: Vec<_> = self
                .inner
                .uid_fetch(uid.to_string(), "(UID INTERNALDATE BODY[])")
                .await
                .map_err(protocol)?
                .try_collect()
                .await
                .map_err(protocol)?;
            let fetch = fetches.iter().find(|f| f.uid == Some(uid)).ok_or(Error::MessageNotFound(uid))?;
            let received = fetch.internal_date().map(|d| d.timestamp()).unwrap_or_default();
            Ok(message::view(uid, fetch.body().unwrap_or_default(), received))
        })
        .await
    }

    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.inner.logout()).await;
    }
}
