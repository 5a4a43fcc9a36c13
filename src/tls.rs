//! TLS for every HTTPS connection conform makes (targets, OAuth2 token endpoints, spec URLs).
//!
//! The default build speaks TLS through rustls with the ring provider (pure Rust and C without
//! a system library, quick to build on a 2-core runner) and trusts the platform's root
//! certificates through rustls-platform-verifier, which reads the same store the operating
//! system's own tools use. The `native-tls` feature switches to the system TLS library for
//! users who must go through it. Either way a run can add a private CA (`ca_certs`), or turn
//! verification off (`insecure`), which the report then says.
//!
//! A build with neither feature speaks plain HTTP only: an `https` target fails like a refused
//! connection, and asking for a CA file is an error that says why.
//!
//! This module never loads certificates itself on the request path: the client is built
//! lazily by the transport, only when a run needs it.

use std::path::{Path, PathBuf};

/// Whether this build can make HTTPS connections (feature `tls` or `native-tls`).
pub const ENABLED: bool = cfg!(any(feature = "tls", feature = "native-tls"));

/// A trusted root certificate, read from a PEM file.
#[cfg(any(feature = "tls", feature = "native-tls"))]
pub type Certificate = reqwest::Certificate;

/// A trusted root certificate; a build without TLS never holds one.
#[cfg(not(any(feature = "tls", feature = "native-tls")))]
#[derive(Debug, Clone)]
pub enum Certificate {}

/// The report's warning (and terminal header note) when certificates were not verified.
pub const INSECURE_WARNING: &str =
    "TLS certificates were not verified (insecure): answers may come from a server other than the target";

/// How HTTPS connections verify the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsSettings {
    /// PEM files whose certificates are trusted as roots, beside the platform's own.
    pub ca_certs: Vec<PathBuf>,
    /// Accept any certificate: no verification at all. Reports say when this was on.
    pub insecure: bool,
}

impl TlsSettings {
    /// Settings that trust the given PEM files beside the platform's roots.
    ///
    /// ```
    /// let tls = conform::tls::TlsSettings::with_ca_certs(["staging-ca.pem"]);
    /// assert!(!tls.insecure);
    /// ```
    pub fn with_ca_certs<P: Into<PathBuf>>(paths: impl IntoIterator<Item = P>) -> TlsSettings {
        TlsSettings { ca_certs: paths.into_iter().map(Into::into).collect(), insecure: false }
    }

    /// Settings that verify nothing (`--insecure`).
    ///
    /// ```
    /// assert!(conform::tls::TlsSettings::insecure().insecure);
    /// ```
    pub fn insecure() -> TlsSettings {
        TlsSettings { ca_certs: Vec::new(), insecure: true }
    }
}

/// Why the TLS settings could not be applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A CA file could not be read.
    #[error("cannot read the CA certificate file {path}")]
    Read {
        /// The file named.
        path: String,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// A CA file was given to a build without TLS.
    #[error("cannot trust the CA certificate file {path}: conform was built without TLS (features tls, native-tls)")]
    NoTls {
        /// The file named.
        path: String,
    },
    /// A CA file holds no usable PEM certificate.
    #[error("the CA certificate file {path} holds no PEM certificate{detail}")]
    NoCertificate {
        /// The file named.
        path: String,
        /// What the PEM parser said, if anything.
        detail: String,
    },
}

/// Installs rustls's ring provider as the process default, once; a provider installed before
/// (by conform or by the application that embeds it) is kept. reqwest needs one before it
/// builds any client when rustls comes without its own provider, as here.
pub fn install_default_provider() {
    #[cfg(feature = "tls")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // Err means another provider is already the default: that one serves as well.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
    }
}

/// Reads every certificate in the PEM files named, so that a bad file stops a run before its
/// first request rather than at the first HTTPS connection.
///
/// # Errors
/// [`TlsError`] naming the file that cannot be read or holds no certificate.
pub fn load_ca_certs(paths: &[PathBuf]) -> Result<Vec<Certificate>, TlsError> {
    let mut certs = Vec::new();
    for path in paths {
        certs.extend(read_pem(path)?);
    }
    Ok(certs)
}

fn read_pem(path: &Path) -> Result<Vec<Certificate>, TlsError> {
    let shown = path.display().to_string();
    if !ENABLED {
        return Err(TlsError::NoTls { path: shown });
    }
    let bytes = std::fs::read(path).map_err(|source| TlsError::Read { path: shown.clone(), source })?;
    let no_certificate = |detail: String| TlsError::NoCertificate { path: shown.clone(), detail };
    if !bytes.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        return Err(no_certificate(String::new()));
    }
    #[cfg(any(feature = "tls", feature = "native-tls"))]
    {
        let certs = Certificate::from_pem_bundle(&bytes).map_err(|e| no_certificate(format!(": {e}")))?;
        if certs.is_empty() { Err(no_certificate(String::new())) } else { Ok(certs) }
    }
    #[cfg(not(any(feature = "tls", feature = "native-tls")))]
    Err(TlsError::NoTls { path: shown })
}

/// Applies the settings to a client builder (with certificates from [`load_ca_certs`]), and
/// makes sure a crypto provider is there to build it.
pub fn configure(
    mut builder: reqwest::ClientBuilder,
    settings: &TlsSettings,
    certs: Vec<Certificate>,
) -> reqwest::ClientBuilder {
    install_default_provider();
    #[cfg(any(feature = "tls", feature = "native-tls"))]
    {
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
        if settings.insecure {
            builder = builder.danger_accept_invalid_certs(true);
        }
    }
    #[cfg(not(any(feature = "tls", feature = "native-tls")))]
    let _ = (settings, certs, &mut builder);
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, contents: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("conform-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn a_missing_ca_file_names_the_file() {
        let err = load_ca_certs(&[PathBuf::from("no/such/ca.pem")]).unwrap_err();
        assert!(err.to_string().starts_with("cannot read the CA certificate file no/such/ca.pem"), "{err}");
        assert!(std::error::Error::source(&err).is_some(), "the io error is kept as the source");
    }

    #[test]
    fn a_file_without_a_certificate_is_refused() {
        let path = temp("not-a-cert.pem", b"hello\n");
        let err = load_ca_certs(std::slice::from_ref(&path)).unwrap_err();
        assert_eq!(err.to_string(), format!("the CA certificate file {} holds no PEM certificate", path.display()));
        let path = temp("broken.pem", b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        assert!(matches!(load_ca_certs(&[path]), Err(TlsError::NoCertificate { .. })));
    }

    #[test]
    fn a_client_builds_with_the_default_provider() {
        let builder = configure(reqwest::Client::builder(), &TlsSettings::insecure(), Vec::new());
        assert!(builder.build().is_ok());
    }
}
