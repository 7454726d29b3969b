//! Opening a PostgreSQL connection with libpq's `sslmode` semantics over rustls.
//!
//! tokio-postgres knows only `disable`, `prefer` and `require`, so `sslmode` (and `sslrootcert`) are taken
//! out of the URL and applied here: `prefer` and `require` encrypt without verifying the server (as libpq
//! does), `verify-full` checks the chain against the Mozilla roots (or `sslrootcert`) and the host name.

use std::sync::Arc;

use anyhow::Context as _;
use diesel::ConnectionResult;
use diesel_async::AsyncPgConnection;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;
use url::Url;

/// libpq's `sslmode` values that this server honours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyFull,
}

/// A parsed `DATABASE_URL`: the tokio-postgres configuration plus the TLS policy.
#[derive(Clone)]
pub struct ConnectOptions {
    config: tokio_postgres::Config,
    pub ssl_mode: SslMode,
    root_cert: Option<String>,
}

impl ConnectOptions {
    /// Parses a `postgres://` URL; `sslmode` defaults to `prefer`, as in libpq.
    pub fn parse(database_url: &str) -> anyhow::Result<Self> {
        let mut url = Url::parse(database_url).context("DATABASE_URL is not a valid URL")?;
        let mut ssl_mode = SslMode::Prefer;
        let mut root_cert = None;
        let mut kept = Vec::new();
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "sslmode" => {
                    ssl_mode = match value.as_ref() {
                        "disable" => SslMode::Disable,
                        "prefer" | "allow" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-full" => SslMode::VerifyFull,
                        other => anyhow::bail!(
                            "DATABASE_URL: sslmode `{other}` is not supported (use disable, prefer, require or verify-full)"
                        ),
                    }
                }
                "sslrootcert" => root_cert = Some(value.into_owned()),
                // Neon adds this libpq-only parameter; tokio-postgres would reject it.
                "channel_binding" => {}
                _ => kept.push((key.into_owned(), value.into_owned())),
            }
        }
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
        let mut config: tokio_postgres::Config = url
            .as_str()
            .parse()
            .context("DATABASE_URL is not a valid PostgreSQL URL")?;
        config.ssl_mode(match ssl_mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyFull => tokio_postgres::config::SslMode::Require,
        });
        Ok(Self {
            config,
            ssl_mode,
            root_cert,
        })
    }

    /// Opens one connection.
    pub async fn connect(&self) -> ConnectionResult<AsyncPgConnection> {
        let fail = |e: String| diesel::ConnectionError::BadConnection(e);
        if self.ssl_mode == SslMode::Disable {
            let (client, conn) = self
                .config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(|e| fail(e.to_string()))?;
            return AsyncPgConnection::try_from_client_and_connection(client, conn).await;
        }
        let tls = self.tls_config().map_err(|e| fail(format!("{e:#}")))?;
        let (client, conn) = self
            .config
            .connect(MakeRustlsConnect::new(tls))
            .await
            .map_err(|e| fail(e.to_string()))?;
        AsyncPgConnection::try_from_client_and_connection(client, conn).await
    }

    fn tls_config(&self) -> anyhow::Result<ClientConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?;
        if self.ssl_mode != SslMode::VerifyFull {
            return Ok(builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
                .with_no_client_auth());
        }
        let mut roots = RootCertStore::empty();
        match &self.root_cert {
            Some(path) => {
                let pem =
                    std::fs::read(path).with_context(|| format!("reading sslrootcert {path}"))?;
                for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
                    roots.add(cert.context("parsing sslrootcert")?)?;
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        Ok(builder.with_root_certificates(roots).with_no_client_auth())
    }
}

/// Encryption without authentication: libpq's `prefer` and `require`.
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
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
        rustls::crypto::verify_tls12_signature(
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
        rustls::crypto::verify_tls13_signature(
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
