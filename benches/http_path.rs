//! The harness's HTTP path at a fixed concurrency, for `bench/run.sh` (measurement 2).
//!
//! Sends one request again and again through what every request of a case goes
//! through: the client `runner::http_client` builds and `http::send` (the per-request
//! timeout, the capped body read, the headers kept for the checks). No case logic: that
//! is measured apart, by whole one-request cases.
//!
//! ```sh
//! BENCH_URL=http://127.0.0.1:PORT/networking/v2.0/routers/<uuid>/remove_router_interface \
//! BENCH_TOKEN=... cargo bench --bench http_path
//! ```
//! Settings (environment): `BENCH_CONCURRENCY` (16), `BENCH_SECONDS` (5), `BENCH_STATUS`
//! (404, the status every answer must have). Prints `requests/s: N`.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use stackconform::http::{send, HttpRequest};

fn setting(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| fail(&format!("{name}={v:?} is not a whole number"))),
        Err(_) => default,
    }
}

fn fail(message: &str) -> ! {
    eprintln!("http_path: {message}");
    std::process::exit(2)
}

fn main() {
    let url = std::env::var("BENCH_URL").unwrap_or_else(|_| fail("set BENCH_URL"));
    let token = std::env::var("BENCH_TOKEN").unwrap_or_else(|_| fail("set BENCH_TOKEN"));
    let concurrency = setting("BENCH_CONCURRENCY", 16).max(1);
    let seconds = setting("BENCH_SECONDS", 5).max(1);
    let want = setting("BENCH_STATUS", 404) as u16;
    // The same request a case sends: method, body, Accept, Content-Type and the token.
    let req = Arc::new(HttpRequest {
        method: "PUT".into(),
        url,
        headers: vec![
            ("Accept".into(), "application/json".into()),
            ("X-Auth-Token".into(), token),
            ("Content-Type".into(), "application/json".into()),
        ],
        body: Some(b"{}".to_vec()),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("runtime: {e}")));
    let client =
        stackconform::runner::http_client(false, None).unwrap_or_else(|e| fail(&e.to_string()));
    let done = Arc::new(AtomicU64::new(0));
    let elapsed = rt.block_on(async {
        let started = Instant::now();
        let until = started + Duration::from_secs(seconds);
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (client, req, done) = (client.clone(), req.clone(), done.clone());
                tokio::spawn(async move {
                    while Instant::now() < until {
                        match send(&client, &req, Duration::from_secs(30), 1 << 20).await {
                            Ok(resp) if resp.status == want => {
                                done.fetch_add(1, Ordering::Relaxed);
                            }
                            Ok(resp) => fail(&format!("expected {want}, got {}", resp.status)),
                            Err(e) => fail(&e.to_string()),
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            let _ = w.await;
        }
        started.elapsed()
    });
    let n = done.load(Ordering::Relaxed);
    println!("requests: {n}");
    println!("seconds: {:.3}", elapsed.as_secs_f64());
    println!("requests/s: {:.0}", n as f64 / elapsed.as_secs_f64());
}
