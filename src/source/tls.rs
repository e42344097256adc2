//! TLS for connections over TCP, following libpq's `sslmode` rules.
//!
//! | sslmode | certificate check |
//! | --- | --- |
//! | `allow`, `prefer`, `require` | none, unless a root certificate is configured, then as `verify-ca` |
//! | `verify-ca` | the chain, against `sslrootcert` (required), not the host name |
//! | `verify-full` | chain and host name, against the platform's roots plus `sslrootcert` |
//!
//! Even without a certificate check, the handshake signatures are verified,
//! so the connection is encrypted to whoever holds the presented key.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Once};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::error::SourceError;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// Never use TLS.
    Disable,
    /// Use TLS if the server insists. pgrift treats it like `prefer`: it
    /// offers TLS first, and either way the connection may be unencrypted.
    Allow,
    /// Use TLS if the server offers it, without verifying its certificate.
    #[default]
    Prefer,
    /// Always use TLS, without verifying the certificate (unless a root
    /// certificate is configured, as with libpq).
    Require,
    /// Always use TLS and verify the certificate chain, not the host name.
    VerifyCa,
    /// Always use TLS and verify the chain and the host name.
    VerifyFull,
}

impl SslMode {
    pub(super) fn parse(value: &str) -> Option<SslMode> {
        Some(match value {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    /// The mode as libpq spells it, for a client program it starts.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// The process-wide crypto provider. It is installed once, explicitly, so
/// that nothing depends on which rustls features other crates enable; a
/// provider installed earlier by someone else is used as it is.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // An error means a provider is installed already, which is fine.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    });
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
}

/// The TLS connector for an `sslmode` and the `sslrootcert` setting.
/// `server` names the connection in errors; it is the connection's
/// `ConnInfo`, taken as `Display` so that this module, which `conninfo`
/// calls to connect, needs nothing from `conninfo`.
pub(crate) fn connector(
    mode: SslMode,
    rootcert: Option<&Path>,
    server: &dyn fmt::Display,
) -> Result<MakeRustlsConnect, SourceError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(server, format!("could not set up TLS: {e}"), None))?;
    let system = rootcert.is_some_and(|p| p == Path::new("system"));
    let root_file = rootcert.filter(|_| !system);

    let verifier: Arc<dyn ServerCertVerifier> = match mode {
        SslMode::VerifyFull => {
            let mut roots = native_roots();
            if let Some(file) = root_file {
                add_root_file(&mut roots, file, server)?;
            }
            if roots.is_empty() {
                return Err(tls_error(
                    server,
                    "no trusted root certificates were found for sslmode=verify-full".into(),
                    Some(
                        "set sslrootcert to the server's CA certificate, or install the \
                          platform's CA certificates (Debian: apt-get install ca-certificates)",
                    ),
                ));
            }
            web_pki(roots, &provider, server)?
        }
        SslMode::VerifyCa if system => {
            return Err(tls_error(
                server,
                "sslmode=verify-ca cannot be used with sslrootcert=system".into(),
                Some("any certificate from a public CA would pass; use sslmode=verify-full"),
            ));
        }
        mode => match root_file {
            // As with libpq, a root certificate turns on verification of the
            // chain whatever the mode.
            Some(file) => {
                let mut roots = RootCertStore::empty();
                add_root_file(&mut roots, file, server)?;
                Arc::new(ChainOnly(web_pki(roots, &provider, server)?))
            }
            None if mode == SslMode::VerifyCa => {
                return Err(tls_error(
                    server,
                    "sslmode=verify-ca needs a root certificate".into(),
                    Some(
                        "set sslrootcert to the server's CA certificate file, or put it in \
                          ~/.postgresql/root.crt",
                    ),
                ));
            }
            None => Arc::new(AcceptAnyCertificate(provider.clone())),
        },
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

fn tls_error(server: &dyn fmt::Display, cause: String, hint: Option<&str>) -> SourceError {
    SourceError::Connect {
        label: server.to_string(),
        cause,
        hint: hint.map(str::to_owned),
    }
}

/// The platform's trusted roots. Unreadable ones are skipped: a store that
/// ends up empty is reported by the caller.
fn native_roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    roots
}

fn add_root_file(
    roots: &mut RootCertStore,
    file: &Path,
    server: &dyn fmt::Display,
) -> Result<(), SourceError> {
    let unreadable = |cause: String| {
        tls_error(
            server,
            format!(
                "could not read root certificate file {}: {cause}",
                file.display()
            ),
            Some("sslrootcert must name a PEM file of CA certificates"),
        )
    };
    let certs = CertificateDer::pem_file_iter(file)
        .map_err(|e| unreadable(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| unreadable(e.to_string()))?;
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(unreadable("it holds no usable certificate".into()));
    }
    Ok(())
}

fn web_pki(
    roots: RootCertStore,
    provider: &Arc<CryptoProvider>,
    server: &dyn fmt::Display,
) -> Result<Arc<WebPkiServerVerifier>, SourceError> {
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| {
            tls_error(
                server,
                format!("could not set up certificate verification: {e}"),
                None,
            )
        })
}

/// Accepts any certificate (libpq's `require` without a root certificate),
/// but still checks that the server holds the certificate's key.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Verifies the certificate chain but not the host name (libpq's
/// `verify-ca`). webpki checks the chain before the name, so a name mismatch
/// is only reported for a chain that is valid.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
