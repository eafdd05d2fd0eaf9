//! `bench-api-floor BODY`: serves `GET /api/v1/children` with the bytes of file `BODY` as
//! `application/json` on `127.0.0.1` (a free port), printing its origin `http://127.0.0.1:PORT`
//! as the first stdout line, as `portal-server serve` does.
//!
//! `cargo xtask bench` loads it with the same `wrk` as the portal's own `GET /api/v1/children`
//! in the same run and reports the portal's throughput as a ratio to it: the floor of what any
//! axum route costs on that machine, so the figure does not move with the machine's speed. It
//! checks no token and reads no database, which is exactly what it leaves out of the comparison.

use axum::{Router, body::Bytes, http::header, routing::get};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os().nth(1).ok_or("usage: bench-api-floor BODY.json")?;
    let body = Bytes::from(std::fs::read(&path)?);
    let children = get(move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], body) }
    });
    let app = Router::new().route("/api/v1/children", children);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
