//! SMTP submission to the user's operator (587, STARTTLS required, certificate checked against the
//! operator CA only), authenticated by SASL XOAUTH2 with the user's PSC access token.

use crate::config::SmtpConfig;
use crate::error::Error;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);

pub struct SmtpGateway {
    config: SmtpConfig,
    tls: TlsParameters,
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
        Ok(Self { config, tls })
    }

    /// Submit `raw` to the envelope's recipients as `user`. Returns once the operator has
    /// accepted the message for every recipient, or says why not.
    pub async fn send(&self, user: &str, access_token: &str, envelope: &Envelope, raw: &[u8]) -> Result<(), Error> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.config.host)
            .port(self.config.port)
            .tls(Tls::Required(self.tls.clone()))
            .credentials(Credentials::new(user.to_string(), access_token.to_string()))
            .authentication(vec![Mechanism::Xoauth2])
            .timeout(Some(TIMEOUT))
            .build();
        transport.send_raw(envelope, raw).await.map(|_| ()).map_err(classify)
    }
}

/// What an SMTP failure means for the user: refused credentials, a refused message, or a server
/// that cannot be reached (in which case nothing was sent).
fn classify(e: lettre::transport::smtp::Error) -> Error {
    let code = e.status().map(|c| c.to_string()).unwrap_or_default();
    if code.starts_with("535") || code.starts_with("530") {
        Error::OperatorRefused(format!("SMTP {code}"))
    } else if e.is_permanent() {
        Error::MessageRefused(e.to_string())
    } else {
        Error::SmtpUnreachable(e.to_string())
    }
}
