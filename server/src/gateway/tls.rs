//! TLS towards the operator (ECO.1.1.x): its certificates must chain to the configured roots
//! (IGC-Santé in production, ECO.1.1.10), TLS 1.2 at least with rustls' AEAD-only suites
//! (ECO.1.1.1), and the chain must not be revoked ([`super::revocation`]) before anything is sent.

use super::revocation::{Revocation, Side};
use crate::config::RevocationConfig;
use crate::error::Error;
use std::path::Path;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, pem::PemObject};
use tokio_rustls::{TlsConnector, rustls};

pub struct OperatorTls {
    pub connector: TlsConnector,
    pub server_name: rustls::pki_types::ServerName<'static>,
    side: Side,
    revocation: Arc<Revocation>,
}

impl OperatorTls {
    pub fn new(ca_file: &Path, host: &str, side: Side, revocation: &RevocationConfig) -> Result<Self, Error> {
        let unreachable = |e: String| Error::OperatorUnreachable(e);
        let pem = std::fs::read(ca_file).map_err(|e| unreachable(format!("CA file {}: {e}", ca_file.display())))?;
        let certificates = CertificateDer::pem_slice_iter(&pem).collect::<Result<Vec<_>, _>>().map_err(|e| unreachable(e.to_string()))?;
        let mut roots = rustls::RootCertStore::empty();
        for cert in &certificates {
            roots.add(cert.clone()).map_err(|e| unreachable(e.to_string()))?;
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| unreachable(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let server_name = rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|e| unreachable(e.to_string()))?;
        let revocation = Arc::new(Revocation::new(certificates, revocation.clone())?);
        Ok(Self { connector: TlsConnector::from(Arc::new(config)), server_name, side, revocation })
    }

    /// The TLS handshake over `stream`, then the revocation check of the chain the server sent.
    pub async fn connect<S: AsyncRead + AsyncWrite + Unpin>(&self, stream: S) -> Result<TlsStream<S>, Error> {
        let tls = self.connector.connect(self.server_name.clone(), stream).await.map_err(|e| self.handshake_failure(e))?;
        let chain = tls.get_ref().1.peer_certificates().unwrap_or_default().to_vec();
        self.revocation.check(self.side, &chain).await?;
        Ok(tls)
    }

    /// For a connection whose handshake another library made (lettre): the chain it received.
    pub async fn check(&self, chain: &[CertificateDer<'_>]) -> Result<(), Error> {
        self.revocation.check(self.side, chain).await
    }

    /// A refused certificate (unknown authority, expired, wrong name) is the operator's certificate
    /// failing, not the network.
    fn handshake_failure(&self, e: std::io::Error) -> Error {
        // the rustls error is the io::Error's payload (which its `source` skips)
        match e.get_ref().and_then(|inner| super::revocation::refused_in_handshake(inner)) {
            Some(reason) => super::revocation::refused(self.side, reason),
            None => Error::OperatorUnreachable(e.to_string()),
        }
    }
}
