//! HTTPS targets: a local TLS server with a certificate from a private CA made for the test, in
//! front of the embedded mock. Trusting the CA with `--ca-cert` gives a clean run; without it
//! every request is a `transport` finding that names the certificate problem; `--insecure`
//! runs clean and says so in the report.

use conform::check::CheckName;
use conform::engine::{RunConfig, Target, run};
use conform::mock::{MockConfig, MockServer};
use conform::model::RunReport;
use conform::model::events::NoProgress;
use conform::spec::Spec;
use conform::tls::TlsSettings;
use conform::transport::auth::{AuthMode, AuthSettings};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_rustls::rustls;

const TOKEN: &str = "tls-test-token-5b1f";

/// A private CA, and a certificate for 127.0.0.1 that it signed.
struct Pki {
    ca_pem: String,
    leaf: rustls::pki_types::CertificateDer<'static>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
}

fn pki() -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "conform test CA");
    ca_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        leaf: leaf.der().clone(),
        key: rustls::pki_types::PrivatePkcs8KeyDer::from(leaf_key.serialize_der()).into(),
    }
}

/// Terminates TLS on 127.0.0.1:0 and relays each connection to `backend`.
async fn tls_front(pki: &Pki, backend: SocketAddr) -> SocketAddr {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![pki.leaf.clone()], pki.key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake: nothing to relay.
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    addr
}

fn spec() -> Arc<Spec> {
    let path = &crate::support::repo("specs/atlas-maintenance-window.yaml");
    Arc::new(Spec::load(path).expect("the Atlas spec loads"))
}

async fn run_over_tls(tls: TlsSettings) -> RunReport {
    let spec = spec();
    let mock_config = MockConfig { token: Some(TOKEN.to_owned()), seed: 3, ..MockConfig::default() };
    let mock = MockServer::start(spec.clone(), "127.0.0.1:0".parse().unwrap(), mock_config).await.unwrap();
    let backend: SocketAddr = mock.url().trim_start_matches("http://").parse().unwrap();
    let front = tls_front(&*pki_once().await, backend).await;
    let config = RunConfig {
        seed: Some(3),
        cases: 5,
        auth: AuthSettings { mode: Some(AuthMode::Bearer), token: Some(TOKEN.to_owned()), ..AuthSettings::default() },
        tls,
        ..RunConfig::default()
    };
    let target = Target::Url(format!("https://127.0.0.1:{}", front.port()).parse().unwrap());
    let report = run(spec, target, config, &NoProgress).await.expect("the run starts");
    mock.shutdown().await;
    report
}

/// One CA per test process, written once where `--ca-cert` can read it.
async fn pki_once() -> Arc<Pki> {
    static PKI: tokio::sync::OnceCell<Arc<Pki>> = tokio::sync::OnceCell::const_new();
    PKI.get_or_init(|| async { Arc::new(pki()) }).await.clone()
}

async fn ca_file() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("conform-tls-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ca.pem");
    std::fs::write(&path, &pki_once().await.ca_pem).unwrap();
    path
}

#[tokio::test]
async fn https_target_with_its_ca_trusted_runs_clean() {
    let report = run_over_tls(TlsSettings::with_ca_certs([ca_file().await])).await;
    assert!(report.stats.requests > 50, "requests went through: {}", report.stats.requests);
    assert!(report.findings.is_empty(), "{:#?}", report.findings.iter().map(|f| &f.message).collect::<Vec<_>>());
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[tokio::test]
async fn https_target_with_an_unknown_ca_is_a_transport_finding() {
    let report = run_over_tls(TlsSettings::default()).await;
    let transport: Vec<_> = report.findings.iter().filter(|f| f.check == CheckName::Transport).collect();
    assert_eq!(transport.len(), 5, "one per operation: {transport:#?}");
    for f in &transport {
        assert!(f.message.contains("certificate"), "the finding names the certificate problem: {}", f.message);
    }
    // Nothing was answered, so nothing else can have been judged (stateful sequences only
    // report that they stopped).
    for f in report.findings.iter().filter(|f| f.check != CheckName::Transport) {
        assert!(f.message.contains("got no answer"), "{:?}: {}", f.check, f.message);
    }
    eprintln!("{}", transport[0].message);
}

#[tokio::test]
async fn insecure_runs_clean_and_says_so() {
    let report = run_over_tls(TlsSettings::insecure()).await;
    assert!(report.findings.is_empty(), "{:#?}", report.findings.iter().map(|f| &f.message).collect::<Vec<_>>());
    assert_eq!(report.warnings, vec![conform::tls::INSECURE_WARNING.to_owned()]);
    let text = conform::report::terminal::render(&report, conform::report::terminal::Style { color: false });
    assert!(text.lines().next().unwrap().ends_with("TLS NOT VERIFIED (insecure)"), "{text}");
}

#[tokio::test]
async fn a_ca_file_without_a_certificate_stops_the_run_before_it_starts() {
    let dir = std::env::temp_dir().join(format!("conform-tls-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("empty.pem");
    std::fs::write(&path, "nothing here\n").unwrap();
    let config = RunConfig { tls: TlsSettings::with_ca_certs([path.clone()]), ..RunConfig::default() };
    let err = run(spec(), Target::Embedded { faults: Vec::new() }, config, &NoProgress).await.unwrap_err();
    assert_eq!(err.to_string(), format!("the CA certificate file {} holds no PEM certificate", path.display()));
}
