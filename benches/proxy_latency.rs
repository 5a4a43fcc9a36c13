//! The latency `conform proxy` adds to a request: N sequential GETs of the Atlas window from
//! the embedded mock, directly and through the proxy, over one keep-alive HTTP/1.1 connection
//! each, alternated over several rounds; prints the median over the rounds of each path's p50
//! and p99, and the difference. A figure, not a test: `cargo bench --bench proxy_latency`
//! (release profile). Bounded: ROUNDS x 2 x REQUESTS requests.

use conform::mock::{MockConfig, MockServer};
use conform::proxy::{Proxy, ProxyConfig};
use conform::spec::Spec;
use http_body_util::{BodyExt as _, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::{Duration, Instant};

const REQUESTS: usize = 2_000;
const ROUNDS: usize = 7;
const PATH: &str = "/api/atlas/v2/groups/5f4d1e2b3c4a5b6c7d8e9f01/maintenanceWindow";

/// Latencies of `REQUESTS` sequential GETs over one connection to `addr`, sorted.
async fn sample(addr: std::net::SocketAddr) -> Vec<Duration> {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(conn);
    let mut out = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let request = hyper::Request::get(PATH)
            .header("host", addr.to_string())
            .header("accept", "application/vnd.atlas.2023-01-01+json")
            .body(Empty::<Bytes>::new())
            .expect("request");
        let started = Instant::now();
        sender.ready().await.expect("ready");
        let answer = sender.send_request(request).await.expect("answer");
        assert_eq!(answer.status(), 200);
        let _ = answer.into_body().collect().await.expect("body");
        out.push(started.elapsed());
    }
    out.sort_unstable();
    out
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort_unstable();
    xs[xs.len() / 2]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let spec = Arc::new(Spec::load(&format!("{root}/specs/atlas-maintenance-window.yaml")).expect("spec loads"));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async {
        let mock = MockServer::start(spec.clone(), "127.0.0.1:0".parse().expect("addr"), MockConfig::default())
            .await
            .expect("mock starts");
        let target: url::Url = mock.url().parse().expect("mock url");
        let direct_addr: std::net::SocketAddr =
            format!("{}:{}", target.host_str().expect("host"), target.port().expect("port")).parse().expect("addr");
        let proxy = Proxy::start(spec, target, ProxyConfig::default()).await.expect("proxy starts");
        // Warm-up: connections, caches, the allocator.
        let _ = sample(direct_addr).await;
        let _ = sample(proxy.addr()).await;
        let (mut d50, mut d99, mut p50, mut p99) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            // Alternate which path goes first.
            let (direct, through) = if round % 2 == 0 {
                let d = sample(direct_addr).await;
                (d, sample(proxy.addr()).await)
            } else {
                let p = sample(proxy.addr()).await;
                (sample(direct_addr).await, p)
            };
            d50.push(quantile(&direct, 0.5));
            d99.push(quantile(&direct, 0.99));
            p50.push(quantile(&through, 0.5));
            p99.push(quantile(&through, 0.99));
        }
        let report = proxy.finish().await;
        mock.shutdown().await;
        let (d50, d99, p50, p99) = (median(d50), median(d99), median(p50), median(p99));
        println!("proxy latency: {ROUNDS} rounds x {REQUESTS} sequential GETs per path, medians of the rounds");
        println!("  direct        p50 {:>8.1} us   p99 {:>8.1} us", us(d50), us(d99));
        println!("  through proxy p50 {:>8.1} us   p99 {:>8.1} us", us(p50), us(p99));
        println!("  added         p50 {:>8.1} us   p99 {:>8.1} us", us(p50) - us(d50), us(p99) - us(d99));
        println!("  the proxy judged {} requests, {} findings", report.stats.requests, report.findings.len());
    });
}
