//! Round trips per flow, counted at the portal: a counting HTTP/1.1 relay sits between
//! `portal-client` and the release `portal-server` (which keeps no access log), and each flow
//! is driven with the real client. The minimum per flow is the contract's: sign-up 6 (§1),
//! sign-in 3 (§2), association 1 (§6), start-up with a stored session 2 (refresh, children; §4).

use anyhow::{Context as _, bail};
use std::{
    net::SocketAddr,
    path::Path,
    sync::{Arc, Mutex, PoisonError},
};

use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpListener, TcpStream},
};

use super::{
    portal::{self, Server, Store},
    report::Report,
};
use crate::cmd::Result;

/// The requests a [`CountingRelay`] saw: `METHOD /path`.
type Seen = Arc<Mutex<Vec<String>>>;

/// A TCP relay that reads each HTTP/1.1 request head (and skips its `Content-Length` body) on
/// the way to the portal, recording `METHOD /path`; answers pass through untouched.
pub struct CountingRelay {
    /// `http://127.0.0.1:PORT`: give this to the client.
    pub origin: String,
    seen: Seen,
}

impl CountingRelay {
    /// Listens on a free loopback port and relays to `upstream`.
    ///
    /// # Errors
    /// No port can be bound.
    pub async fn start(upstream: SocketAddr) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let seen: Seen = Arc::default();
        let record = seen.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let record = record.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        let _ = relay(client, server, record).await;
                    }
                });
            }
        });
        Ok(Self { origin: format!("http://{addr}"), seen })
    }

    /// The requests seen since the last call, emptied.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.seen.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

async fn relay(client: TcpStream, server: TcpStream, seen: Seen) -> std::io::Result<()> {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let answers =
        tokio::spawn(async move { tokio::io::copy(&mut server_read, &mut client_write).await });
    let mut buffer: Vec<u8> = Vec::new();
    let mut chunk = [0_u8; 16 * 1024];
    loop {
        // One request: its head up to the blank line, then Content-Length bytes of body.
        let head_end = loop {
            if let Some(end) = find(&buffer, b"\r\n\r\n") {
                break end + 4;
            }
            let n = client_read.read(&mut chunk).await?;
            if n == 0 {
                answers.abort();
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let mut request_line = head.lines().next().unwrap_or("").split_whitespace();
        let method = request_line.next().unwrap_or("?").to_owned();
        let path = request_line.next().unwrap_or("?").split('?').next().unwrap_or("?").to_owned();
        let length: usize = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            // The client never sends chunked bodies; if it ever does, say so rather than miscount.
            seen.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(format!("{method} {path} (chunked: count stops)"));
            server_write.write_all(&buffer).await?;
            tokio::io::copy(&mut client_read, &mut server_write).await?;
            return Ok(());
        }
        while buffer.len() < head_end + length {
            let n = client_read.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..n]);
        }
        seen.lock().unwrap_or_else(PoisonError::into_inner).push(format!("{method} {path}"));
        let rest = buffer.split_off(head_end + length);
        server_write.write_all(&buffer).await?;
        buffer = rest;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Sign-up, sign-in, association and start-up with a stored session, each counted.
///
/// # Errors
/// The portal cannot start or a flow fails.
pub async fn measure(bin: &Path, report: &mut Report) -> Result {
    println!("\n== round trips ==");
    let scratch = tempfile::tempdir()?;
    let server =
        Server::start(bin, scratch.path(), &Store::Sqlite.database(scratch.path())?, true)?;
    let upstream: SocketAddr = server
        .origin
        .trim_start_matches("http://")
        .parse()
        .with_context(|| format!("origin {}", server.origin))?;
    let relay = CountingRelay::start(upstream).await?;
    let portal = portal::client(&relay.origin)?;

    let flow = |name: &str, minimum: usize, seen: Vec<String>, report: &mut Report| {
        println!("· {name}: {} requests: {}", seen.len(), seen.join(", "));
        report.target(
            "round trips",
            name.to_owned(),
            seen.len().to_string(),
            format!("= {minimum}"),
            seen.len() == minimum,
        );
        if seen.len() != minimum {
            report.note(format!(
                "{name}: {} requests instead of {minimum}: {}",
                seen.len(),
                seen.join(", ")
            ));
        }
    };

    let session = portal::sign_up(&portal, &server.outbox, portal::DEMO_PARENT).await?;
    flow("sign-up", 6, relay.take(), report);

    let requests = portal::demo_children();
    session.associate(&requests[0]).await.context("associate")?;
    flow("association", 1, relay.take(), report);
    for request in &requests[1..] {
        session.associate(request).await.context("associate")?;
    }
    relay.take();

    let signed_in = portal::sign_in(&portal, portal::DEMO_PARENT).await?;
    flow("sign-in", 3, relay.take(), report);

    // A new process would build a new client from the stored refresh token (§9), then list the
    // children: what the shell's restore_session does.
    let stored = signed_in.refresh_token().context("the session has no refresh token")?;
    let fresh = portal::client(&relay.origin)?;
    let resumed = fresh.resume_session(stored);
    let children = resumed.children().await.context("children")?;
    if children.len() != 3 {
        bail!("expected 3 children after resuming, got {}", children.len());
    }
    flow("start-up with a stored session (portal-client)", 2, relay.take(), report);
    Ok(())
}
