//! TLS towards the operator: its certificates must chain to the configured CA (the operator's,
//! IGC-Santé in production), TLS 1.2 at least.

use crate::error::Error;
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::rustls::pki_types::{CertificateDer, pem::PemObject};
use tokio_rustls::{TlsConnector, rustls};

pub struct OperatorTls {
    pub connector: TlsConnector,
    pub server_name: rustls::pki_types::ServerName<'static>,
}

impl OperatorTls {
    pub fn new(ca_file: &Path, host: &str) -> Result<Self, Error> {
        let unreachable = |e: String| Error::OperatorUnreachable(e);
        let pem = std::fs::read(ca_file).map_err(|e| unreachable(format!("CA file {}: {e}", ca_file.display())))?;
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&pem) {
            roots.add(cert.map_err(|e| unreachable(e.to_string()))?).map_err(|e| unreachable(e.to_string()))?;
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| unreachable(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let server_name = rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|e| unreachable(e.to_string()))?;
        Ok(Self { connector: TlsConnector::from(Arc::new(config)), server_name })
    }
}
