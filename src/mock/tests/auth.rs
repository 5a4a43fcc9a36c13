//! Bearer and HTTP Digest authentication, with a digest client computed by hand (RFC 7616,
//! MD5, qop=auth) and with the `digest_auth` crate the runner uses.

use super::*;
use md5::{Digest, Md5};
use serde_json::json;

const USER: &str = "publickey";
const PASSWORD: &str = "private-key-0000";

fn digest_config() -> MockConfig {
    MockConfig { digest: Some((USER.into(), PASSWORD.into())), ..MockConfig::default() }
}

fn md5_hex(text: &str) -> String {
    Md5::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of one parameter of a challenge (`nonce="…"`).
fn challenge_param(challenge: &str, name: &str) -> Option<String> {
    let start = challenge.find(&format!("{name}="))? + name.len() + 1;
    let rest = &challenge[start..];
    let value = match rest.strip_prefix('"') {
        Some(quoted) => &quoted[..quoted.find('"')?],
        None => rest.split(',').next()?.trim(),
    };
    Some(value.to_owned())
}

/// An `Authorization: Digest …` value computed from first principles.
fn digest_header(method: &str, uri: &str, nonce: &str, nc: u32, password: &str) -> String {
    let realm = "MMS Public API";
    let cnonce = "0a4f113b";
    let nc = format!("{nc:08x}");
    let ha1 = md5_hex(&format!("{USER}:{realm}:{password}"));
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    let response = md5_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"));
    format!(
        "Digest username=\"{USER}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", qop=auth, nc={nc}, cnonce=\"{cnonce}\", response=\"{response}\", algorithm=MD5"
    )
}

async fn challenge(url: &str) -> (Got, String) {
    let got = get(url).await;
    let www = got.header("www-authenticate").expect("a challenge").to_owned();
    (got, www)
}

#[tokio::test]
async fn digest_with_the_right_key_is_served_and_everything_else_is_401() {
    let server = atlas(digest_config()).await;
    let url = window_url(&server, GROUP);
    let uri = format!("/api/atlas/v2/groups/{GROUP}/maintenanceWindow");

    let (refused, www) = challenge(&url).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.content_type(), Some("application/json"));
    check(atlas_spec().operation("getGroupMaintenanceWindow").unwrap(), &refused).unwrap();
    assert_eq!(refused.json()["errorCode"], json!("UNAUTHORIZED"));
    assert!(www.starts_with("Digest realm=\"MMS Public API\", nonce=\""), "{www}");
    assert!(www.contains("qop=\"auth\"") && www.contains("algorithm=MD5"), "{www}");
    let nonce = challenge_param(&www, "nonce").unwrap();

    let ok = send("GET", &url, &[("authorization", &digest_header("GET", &uri, &nonce, 1, PASSWORD))], None).await;
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    // The same nonce with a higher count is fine; the same count again is a replay.
    let again = send("GET", &url, &[("authorization", &digest_header("GET", &uri, &nonce, 2, PASSWORD))], None).await;
    assert_eq!(again.status, 200);
    let replay = send("GET", &url, &[("authorization", &digest_header("GET", &uri, &nonce, 2, PASSWORD))], None).await;
    assert_eq!(replay.status, 401);
    assert!(replay.json()["detail"].as_str().unwrap().contains("replay"));

    let wrong = send("GET", &url, &[("authorization", &digest_header("GET", &uri, &nonce, 3, "wrong"))], None).await;
    assert_eq!(wrong.status, 401);
    let wrong_method =
        send("DELETE", &url, &[("authorization", &digest_header("GET", &uri, &nonce, 4, PASSWORD))], None).await;
    assert_eq!(wrong_method.status, 401);
    let wrong_uri = digest_header("GET", "/elsewhere", &nonce, 5, PASSWORD);
    assert_eq!(send("GET", &url, &[("authorization", &wrong_uri)], None).await.status, 401);

    // A nonce the server never issued: right key, so the client is told to retry (stale).
    let forged = digest_header("GET", &uri, "00000000000000000000000000000000", 1, PASSWORD);
    let stale = send("GET", &url, &[("authorization", &forged)], None).await;
    assert_eq!(stale.status, 401);
    assert!(stale.header("www-authenticate").unwrap().contains("stale=true"));

    let bearer = send("GET", &url, &[("authorization", "Bearer anything")], None).await;
    assert_eq!(bearer.status, 401, "no token is configured");
    for junk in ["Digest", "Digest ,,,=\"", "Basic dXNlcjpwYXNz", "Digest username=\"x\""] {
        assert_eq!(send("GET", &url, &[("authorization", junk)], None).await.status, 401, "{junk}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn digest_auth_crate_clients_get_in() {
    let server = atlas(digest_config()).await;
    let url = format!("{}?pretty=true", window_url(&server, GROUP));
    let uri = format!("/api/atlas/v2/groups/{GROUP}/maintenanceWindow?pretty=true");
    let (_, www) = challenge(&url).await;
    let mut prompt = digest_auth::parse(&www).unwrap();
    for _ in 0..3 {
        let context = digest_auth::AuthContext::new(USER, PASSWORD, uri.as_str());
        let header = prompt.respond(&context).unwrap().to_header_string();
        let got = send("GET", &url, &[("authorization", &header)], None).await;
        assert_eq!(got.status, 200, "{header}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn bearer_tokens_and_both_schemes_together() {
    let config = MockConfig { token: Some("s3cret".into()), ..digest_config() };
    let server = atlas(config).await;
    let url = window_url(&server, GROUP);
    assert_eq!(send("GET", &url, &[("authorization", "Bearer s3cret")], None).await.status, 200);
    let wrong = send("GET", &url, &[("authorization", "Bearer s3cre")], None).await;
    assert_eq!(wrong.status, 401);
    let challenges: Vec<&str> =
        wrong.headers.get_all("www-authenticate").iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(challenges.iter().any(|c| c.starts_with("Digest ")) && challenges.iter().any(|c| c.starts_with("Bearer ")));
    let (_, www) = challenge(&url).await;
    let nonce = challenge_param(&www, "nonce").unwrap();
    let uri = format!("/api/atlas/v2/groups/{GROUP}/maintenanceWindow");
    let digest = send("GET", &url, &[("authorization", &digest_header("GET", &uri, &nonce, 1, PASSWORD))], None).await;
    assert_eq!(digest.status, 200, "either scheme is accepted");
    // Errors before auth do not leak: an unknown path is still 404, an unauthenticated bad request 401.
    let bad = atlas_send("PATCH", &url, Some(r#"{"dayOfWeek": 9}"#)).await;
    assert_eq!(bad.status, 401);
    server.shutdown().await;

    let token_only = atlas(MockConfig { token: Some("t".into()), ..MockConfig::default() }).await;
    let refused = get(&window_url(&token_only, GROUP)).await;
    assert_eq!((refused.status, refused.header("www-authenticate")), (401, Some("Bearer realm=\"MMS Public API\"")));
    token_only.shutdown().await;
}

#[tokio::test]
async fn cloud_manager_401_carries_its_documented_challenge() {
    let server = start(cloud_manager_spec(), digest_config()).await;
    let got = get(&format!("{}/api/public/v1.0/groups/{PROJECT}/maintenanceWindows", server.url())).await;
    assert_eq!(got.status, 401);
    assert!(got.header("www-authenticate").unwrap().starts_with("Digest realm=\"MMS Public API\""));
    check(cloud_manager_spec().operation("listMaintenanceWindows").unwrap(), &got).unwrap();
    server.shutdown().await;
}

/// Twilio declares only HTTP Basic: the mock must be able to verify it, so that conform can
/// authenticate against the embedded mock with a scheme the spec declares.
#[tokio::test]
async fn basic_credentials_are_verified() {
    let config = MockConfig { basic: Some(("AC0123".into(), "auth-token-1".into())), ..MockConfig::default() };
    let server = atlas(config).await;
    let url = window_url(&server, GROUP);
    let basic = |user: &str, password: &str| {
        format!(
            "Basic {}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("{user}:{password}"))
        )
    };
    assert_eq!(send("GET", &url, &[("authorization", &basic("AC0123", "auth-token-1"))], None).await.status, 200);
    let refused = get(&url).await;
    assert_eq!((refused.status, refused.header("www-authenticate")), (401, Some("Basic realm=\"MMS Public API\"")));
    for wrong in [
        basic("AC0123", "auth-token-2"),
        basic("AC0124", "auth-token-1"),
        "Basic !!".into(),
        "Bearer auth-token-1".into(),
    ] {
        assert_eq!(send("GET", &url, &[("authorization", &wrong)], None).await.status, 401, "{wrong}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn without_credentials_configured_nothing_is_required() {
    let server = atlas(MockConfig::default()).await;
    assert_eq!(get(&window_url(&server, GROUP)).await.status, 200);
    server.shutdown().await;
}

#[test]
fn debug_output_redacts_credentials() {
    let config =
        MockConfig { token: Some("s3cret".into()), basic: Some(("b".into(), "b-secret".into())), ..digest_config() };
    let shown = format!("{config:?}");
    assert!(!shown.contains("s3cret") && !shown.contains(PASSWORD) && !shown.contains("b-secret"), "{shown}");
    assert!(shown.contains(USER), "the user name is not a secret: {shown}");
}
