//! SMTP submission to the user's operator (587, STARTTLS required, certificate checked against the
//! operator CA only), authenticated by SASL XOAUTH2 with the user's PSC access token.

use crate::config::SmtpConfig;
use super::Exchange;
use crate::error::Error;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, CertificateStore, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter, RcptParameter};
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const TIMEOUT: Duration = Duration::from_secs(30);
/// Reading the server's limits is a few lines: it gets less time than a submission.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

pub struct SmtpGateway {
    config: SmtpConfig,
    tls: TlsParameters,
    /// For the probe of the server's limits, which lettre does not report, and the revocation
    /// check of every connection.
    probe_tls: super::tls::OperatorTls,
}

impl SmtpGateway {
    pub fn new(config: SmtpConfig) -> Result<Self, Error> {
        let pem = std::fs::read(&config.ca_file)
            .map_err(|e| Error::OperatorUnreachable(format!("CA file {}: {e}", config.ca_file.display())))?;
        let ca = Certificate::from_pem(&pem).map_err(|e| Error::OperatorUnreachable(format!("CA file: {e}")))?;
        let tls = TlsParameters::builder(config.host.clone())
            .certificate_store(CertificateStore::None)
            .add_root_certificate(ca)
            .build_rustls()
            .map_err(|e| Error::OperatorUnreachable(format!("TLS: {e}")))?;
        let probe_tls = super::tls::OperatorTls::new(&config.ca_file, &config.host, super::revocation::Side::Smtp, &config.revocation)?;
        Ok(Self { config, tls, probe_tls })
    }

    /// The largest message the operator accepts (RFC 1870 SIZE, as announced after STARTTLS,
    /// where no one on the way can have changed it); none when it announces no limit.
    pub async fn size_limit(&self) -> Result<Option<u64>, Error> {
        let unreachable = |e: std::io::Error| Error::SmtpUnreachable(e.to_string());
        tokio::time::timeout(PROBE_TIMEOUT, async {
            let tcp = TcpStream::connect((self.config.host.as_str(), self.config.port)).await.map_err(unreachable)?;
            let mut plain = BufReader::new(tcp);
            expect(&mut plain, "220").await?;
            plain.write_all(b"EHLO webmail\r\n").await.map_err(unreachable)?;
            expect(&mut plain, "250").await?;
            plain.write_all(b"STARTTLS\r\n").await.map_err(unreachable)?;
            expect(&mut plain, "220").await?;
            let tls = self.probe_tls.connect(plain.into_inner()).await?;
            let mut secure = BufReader::new(tls);
            secure.write_all(b"EHLO webmail\r\n").await.map_err(unreachable)?;
            let lines = expect(&mut secure, "250").await?;
            let _ = secure.write_all(b"QUIT\r\n").await;
            Ok(size_in(&lines))
        })
        .await
        .map_err(|_| Error::SmtpUnreachable("SIZE probe: timeout".into()))?
    }

    /// Submit `raw` to the envelope's recipients as `user`. Returns once the operator has
    /// accepted the message for every recipient, or says why not. With `delivery_receipt`, each
    /// recipient is submitted with `NOTIFY=SUCCESS,FAILURE` and its `ORCPT` (RFC 3461), which
    /// lettre's transport cannot send: the dialogue is driven here, command by command. The
    /// dialogue and the server's last reply are added to `exchanges` (for the access trace).
    pub async fn send(&self, user: &str, access_token: &str, envelope: &Envelope, raw: &[u8], delivery_receipt: bool, exchanges: &mut Vec<Exchange>) -> Result<(), Error> {
        let request = format!("MAIL FROM, RCPT TO ×{}, DATA ({} octets)", envelope.to().len(), raw.len());
        let mut step = "connexion";
        let result = self.submit(user, access_token, envelope, raw, delivery_receipt, &mut step).await;
        let answer = match &result {
            Ok(code) => code.clone(),
            Err(Failed::Smtp(e)) => match e.status() {
                Some(code) => format!("{code} ({step})"),
                None => format!("sans réponse ({step})"),
            },
            Err(Failed::Certificate(_)) => "certificat refusé (STARTTLS)".into(),
        };
        exchanges.push(Exchange::new(request, answer));
        result.map(|_| ()).map_err(|failed| match failed {
            Failed::Smtp(e) => classify(e),
            Failed::Certificate(e) => e,
        })
    }

    /// The dialogue of [`Self::send`]; the reply code of DATA, or the failure and, in `step`,
    /// the command it answered.
    async fn submit(&self, user: &str, access_token: &str, envelope: &Envelope, raw: &[u8], delivery_receipt: bool, step: &mut &'static str) -> Result<String, Failed> {
        let hello = ClientId::default();
        let mut smtp = AsyncSmtpConnection::connect_tokio1((self.config.host.as_str(), self.config.port), Some(TIMEOUT), &hello, None, None).await?;
        *step = "STARTTLS";
        smtp.starttls(self.tls.clone(), &hello).await?;
        // the chain lettre's handshake received, checked for revocation before the token is sent
        let chain: Vec<_> = smtp.certificate_chain()?.into_iter().map(tokio_rustls::rustls::pki_types::CertificateDer::from).collect();
        if let Err(e) = self.probe_tls.check(&chain).await {
            smtp.abort().await;
            return Err(Failed::Certificate(e));
        }
        *step = "AUTH";
        smtp.auth(&[Mechanism::Xoauth2], &Credentials::new(user.to_string(), access_token.to_string())).await?;
        let result = async {
            let mut mail = vec![];
            if !raw.is_ascii() {
                mail.push(MailParameter::Body(MailBodyParameter::EightBitMime));
            }
            if delivery_receipt {
                mail.push(MailParameter::Other { keyword: "RET".into(), value: Some("HDRS".into()) });
            }
            *step = "MAIL FROM";
            smtp.command(Mail::new(envelope.from().cloned(), mail)).await?;
            *step = "RCPT TO";
            for to in envelope.to() {
                let notify = [
                    RcptParameter::Other { keyword: "NOTIFY".into(), value: Some("SUCCESS,FAILURE".into()) },
                    RcptParameter::Other { keyword: "ORCPT".into(), value: Some(format!("rfc822;{to}")) },
                ];
                smtp.command(Rcpt::new(to.clone(), if delivery_receipt { notify.to_vec() } else { vec![] })).await?;
            }
            *step = "DATA";
            smtp.command(Data).await?;
            smtp.message(raw).await
        }
        .await;
        let _ = smtp.quit().await;
        Ok(result?.code().to_string())
    }
}

/// How a submission failed: the SMTP dialogue, or the revocation check of the server's chain.
enum Failed {
    Smtp(lettre::transport::smtp::Error),
    Certificate(Error),
}

impl From<lettre::transport::smtp::Error> for Failed {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        Failed::Smtp(e)
    }
}

/// Longest reply line read (RFC 5321 allows 512; extensions make some longer), and most lines.
const MAX_REPLY_LINE: usize = 2048;
const MAX_REPLY_LINES: usize = 64;

/// A whole (multi-line) reply, which must carry `code`; its lines' text.
async fn expect(reader: &mut (impl AsyncBufRead + Unpin), code: &str) -> Result<Vec<String>, Error> {
    let mut lines = Vec::new();
    loop {
        let mut line = Vec::new();
        let read = (&mut *reader).take(MAX_REPLY_LINE as u64).read_until(b'\n', &mut line).await;
        read.map_err(|e| Error::SmtpUnreachable(e.to_string()))?;
        let whole = line.ends_with(b"\n"); // not cut by the end of the stream or the length bound
        let line = String::from_utf8_lossy(&line).trim_end().to_string();
        if !whole || !line.starts_with(code) || lines.len() >= MAX_REPLY_LINES {
            return Err(Error::SmtpUnreachable(format!("SIZE probe: unexpected reply {line:?}")));
        }
        let last = line.as_bytes().get(3) != Some(&b'-');
        lines.push(line.get(4..).unwrap_or_default().to_string());
        if last {
            return Ok(lines);
        }
    }
}

/// The SIZE announced in EHLO lines; 0 (or no number) means no limit.
fn size_in(lines: &[String]) -> Option<u64> {
    lines.iter().find_map(|l| {
        let mut words = l.split_ascii_whitespace();
        words.next().filter(|w| w.eq_ignore_ascii_case("SIZE"))?;
        words.next()?.parse().ok().filter(|&n| n > 0)
    })
}

/// What an SMTP failure means for the user: refused credentials, a refused message, or a server
/// that cannot be reached (in which case nothing was sent).
fn classify(e: lettre::transport::smtp::Error) -> Error {
    let code = e.status().map(|c| c.to_string()).unwrap_or_default();
    if let Some(reason) = super::revocation::refused_in_handshake(&e) {
        super::revocation::refused(super::revocation::Side::Smtp, reason)
    } else if code.starts_with("535") || code.starts_with("530") {
        Error::OperatorRefused(format!("SMTP {code}"))
    } else if code.starts_with("552") {
        // RFC 1870: over the size the server accepts (read beforehand, so only when it changed)
        Error::TooLarge("Le message dépasse la taille que votre opérateur accepte : retirez des pièces jointes ou envoyez-les en plusieurs messages. Il reste dans vos brouillons.".into())
    } else if e.is_permanent() {
        Error::MessageRefused(e.to_string())
    } else {
        Error::SmtpUnreachable(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn replies_are_read_whole_and_size_found() {
        let ehlo = b"250-mx.hopital-demo.mssante.fr\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n";
        let lines = expect(&mut &ehlo[..], "250").await.unwrap();
        assert_eq!(lines.len(), 4);
        assert_eq!(size_in(&lines), Some(10_240_000));
        assert_eq!(size_in(&["SIZE 0".into()]), None, "0 means no limit");
        assert_eq!(size_in(&["SIZE".into(), "SIZEX 5".into()]), None);
        assert!(expect(&mut &b"554 no\r\n"[..], "250").await.is_err());
        assert!(expect(&mut &b"250-unfinished\r\n"[..], "250").await.is_err(), "a reply cut short is an error");
        let endless = "250-x\r\n".repeat(100);
        assert!(expect(&mut endless.as_bytes(), "250").await.is_err(), "at most 64 lines");
        let long = format!("250 {}\r\n", "x".repeat(5000));
        assert!(expect(&mut long.as_bytes(), "250").await.is_err(), "a line over 2 KiB is cut and refused");
    }
}
