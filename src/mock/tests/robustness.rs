//! Hostile input: oversized bodies, invalid UTF-8, odd paths and methods, malformed HTTP. The
//! mock answers each in the error shape (or hyper refuses the bytes) and stays up.

use super::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn bodies_over_the_cap_get_413_in_the_error_shape() {
    let server = atlas(MockConfig::default()).await;
    let url = window_url(&server, GROUP);
    let huge = format!("{{\"dayOfWeek\": 2, \"pad\": \"{}\"}}", "x".repeat(crate::mock::MAX_BODY + 10));
    let got = atlas_send("PATCH", &url, Some(&huge)).await;
    assert_generic_error(&got, 413, "REQUEST_TOO_LARGE");
    // Just under the cap is read (and then judged on its content).
    let under = format!("{{\"dayOfWeek\": 2, \"pad\": \"{}\"}}", "x".repeat(crate::mock::MAX_BODY - 100));
    let got = atlas_send("PATCH", &url, Some(&under)).await;
    assert_eq!((got.status, got.json()["errorCode"].clone()), (400, json!("INVALID_ATTRIBUTE")));
    // A chunked body over the cap, too.
    let mut request = format!(
        "PATCH /api/atlas/v2/groups/{GROUP}/maintenanceWindow HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: {ATLAS_JSON}\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for _ in 0..20 {
        request.extend_from_slice(b"10000\r\n");
        request.extend(std::iter::repeat_n(b'x', 0x10000));
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let answer = raw(server.local_addr(), &request, false).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    server.shutdown().await;
}

#[tokio::test]
async fn invalid_utf8_and_odd_input_get_answers_in_shape() {
    let server = atlas(MockConfig::default()).await;
    let url = window_url(&server, GROUP);
    let get_op = atlas_spec().operation("getGroupMaintenanceWindow").unwrap().clone();
    for path in [
        "/",
        "//",
        "/api/atlas/v2/groups//maintenanceWindow",
        "/api/atlas/v2/groups/%C3%28/maintenanceWindow",
        "/api/atlas/v2/groups/%/maintenanceWindow",
        "/api/atlas/v2/groups/..%2F..%2Fetc/maintenanceWindow",
        "/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/maintenanceWindow/",
        "/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/maintenanceWindow?envelope=%FF&pretty",
        "/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/maintenanceWindow?%%%=&&==",
    ] {
        let got = get(&format!("{}{path}", server.url())).await;
        // Unknown query parameters are ignored: the last two may well be served.
        assert!(matches!(got.status, 200 | 400 | 404), "{path}: {}", got.status);
        check(&get_op, &got).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    let bytes = vec![0xff, 0xfe, b'{'];
    let res = client().patch(&url).header("content-type", ATLAS_JSON).body(bytes).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let odd_accept = reqwest::header::HeaderValue::from_bytes(b"application/vnd.atlas.\xff+json").unwrap();
    let res = client().get(&url).header("accept", odd_accept).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 406);
    let custom = send("FROB", &url, &[], None).await;
    assert_eq!(custom.status, 405);
    let deep = format!(r#"{{"dayOfWeek": 2, "protectedHours": {}{}}}"#, "{\"a\":".repeat(100), "}".repeat(100));
    assert_eq!(atlas_send("PATCH", &url, Some(&deep)).await.status, 400);
    let very_deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(atlas_send("PATCH", &url, Some(&very_deep)).await.status, 400);
    assert_eq!(get(&url).await.status, 200, "still up");
    server.shutdown().await;
}

/// Sends raw bytes and returns whatever comes back before the server closes (bounded).
/// `hang_up` closes the sending side after the bytes (a client that went away).
async fn raw(addr: std::net::SocketAddr, bytes: &[u8], hang_up: bool) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(bytes).await;
    if hang_up {
        let _ = stream.shutdown().await;
    }
    let mut out = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn malformed_http_does_not_bring_the_server_down() {
    let server = atlas(MockConfig::default()).await;
    let addr = server.local_addr();
    for junk in [
        &b"\x00\x01\x02\r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"GET /api HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
        b"GET /api HTTP/9.9\r\n\r\n",
        b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
        b"PATCH /api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/maintenanceWindow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"dayOf",
    ] {
        let answer = raw(addr, junk, true).await;
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 4"), "{answer}");
    }
    let request =
        format!("GET /api/atlas/v2/groups/{GROUP}/maintenanceWindow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let ok = raw(addr, request.as_bytes(), false).await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    server.shutdown().await;
}
