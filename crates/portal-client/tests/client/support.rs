//! Test support: the real reference portal in-process on loopback, its outbox, and a few
//! intermediaries for what the portal itself cannot produce (a request counter, an idle-closing
//! TCP relay, a TLS front with a test CA, a listener that never answers).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use cartable_core::{Email, VerificationCode};
use portal_client::{Portal, PortalConfig, Session, SignIn, SignUp, Step};
use portal_server::{AppState, clock::ManualClock, config::Config};
use secrecy::SecretString;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// A running reference portal with a manual clock and an outbox.
pub struct TestPortal {
    pub origin: String,
    pub addr: SocketAddr,
    pub clock: ManualClock,
    pub outbox: PathBuf,
    _dir: tempfile::TempDir,
}

impl TestPortal {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let outbox = dir.path().join("outbox");
        let config = Config::demo_for(&listener, dir.path().join("portal.sqlite3"), outbox.clone())
            .expect("config");
        let clock = ManualClock::new(time::OffsetDateTime::now_utc());
        let state = AppState::open(config, Arc::new(clock.clone())).await.expect("portal opens");
        tokio::spawn(portal_server::serve(listener, state));
        Self { origin: format!("http://{addr}"), addr, clock, outbox, _dir: dir }
    }

    /// A client of this portal, in English (codes in plain ASCII subjects).
    pub fn client(&self) -> Portal {
        client_for(&self.origin)
    }

    /// The digits of the latest code emailed to `email`.
    pub fn latest_code(&self, email: &str) -> String {
        test_support::latest_code(&self.outbox, email)
            .unwrap_or_else(|| panic!("no code mailed to {email}"))
    }

    /// How many messages went to `email`.
    pub fn mail_count(&self, email: &str) -> usize {
        test_support::mails_to(&self.outbox, email).len()
    }

    /// Signs up `email` with `password` through the whole flow; returns the session.
    pub async fn sign_up(&self, portal: &Portal, email: &str, password: &str) -> Session {
        let sent = next(SignUp::new(parse_email(email)).start(portal).await);
        let code = VerificationCode::parse(&self.latest_code(email), sent.code_length()).unwrap();
        let needs = next(sent.verify(portal, &code).await);
        next(needs.submit(portal, &SecretString::from(password)).await)
    }

    /// Signs in through the flow.
    pub async fn sign_in(&self, portal: &Portal, email: &str, password: &str) -> Session {
        let needs = next(SignIn::new(parse_email(email)).start(portal).await);
        next(needs.submit(portal, &SecretString::from(password)).await)
    }
}

pub fn client_for(origin: &str) -> Portal {
    Portal::new(
        PortalConfig::from_origin(origin)
            .expect("config")
            .with_language("en-CA")
            .with_request_timeout(Duration::from_secs(10)),
    )
    .expect("client")
}

pub fn parse_email(text: &str) -> Email {
    Email::parse(text).expect("valid email")
}

/// Unwraps `Step::Next`, failing the test with the outcome otherwise.
pub fn next<N, S: std::fmt::Debug>(result: Result<Step<N, S>, portal_client::Interrupted<S>>) -> N {
    match result {
        Ok(Step::Next(n)) => n,
        Ok(other) => panic!("expected Step::Next, got {:?}", DebugStep(&other)),
        Err(e) => panic!("step interrupted: {:?}", e.error),
    }
}

struct DebugStep<'a, N, S>(&'a Step<N, S>);

impl<N, S: std::fmt::Debug> std::fmt::Debug for DebugStep<'_, N, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Step::Next(_) => f.write_str("Next(..)"),
            Step::Retry { state, reason } => {
                write!(f, "Retry {{ state: {state:?}, reason: {reason:?} }}")
            }
            Step::Expired { email } => write!(f, "Expired({email})"),
            Step::Redirect { email } => write!(f, "Redirect({email})"),
            Step::UserAlreadyExists { email } => write!(f, "UserAlreadyExists({email})"),
            Step::UserNotFound { email } => write!(f, "UserNotFound({email})"),
            Step::AttributesRequired { email, attributes } => {
                write!(f, "AttributesRequired({email}, {attributes:?})")
            }
            _ => f.write_str("another outcome"),
        }
    }
}

// ---- an HTTP intermediary that records requests and may rewrite discovery ----

/// One request seen by [`RecordingProxy`].
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub user_agent: String,
    pub accept_language: String,
    pub path: String,
    pub body: String,
    pub status: u16,
}

/// An HTTP relay in front of the portal that records every request (method, path, form body,
/// answer status) and can drop `revocation_endpoint` from discovery, as a real Entra tenant's
/// document has none, or point it elsewhere, as a tampered or misconfigured one would.
pub struct RecordingProxy {
    pub origin: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

#[derive(Clone)]
struct ProxyState {
    upstream: String,
    http: reqwest::Client,
    seen: Arc<Mutex<Vec<Seen>>>,
    revocation: Revocation,
}

/// What [`RecordingProxy`] does to discovery's `revocation_endpoint`.
#[derive(Clone)]
enum Revocation {
    Keep,
    Remove,
    Replace(String),
}

impl RecordingProxy {
    pub async fn start(upstream: &str, strip_revocation: bool) -> Self {
        let revocation = if strip_revocation { Revocation::Remove } else { Revocation::Keep };
        Self::serve(upstream, |_| revocation).await
    }

    /// A relay whose discovery lists `endpoint(own origin)` as `revocation_endpoint`.
    pub async fn with_revocation_endpoint(
        upstream: &str,
        endpoint: impl FnOnce(&str) -> String,
    ) -> Self {
        Self::serve(upstream, |origin| Revocation::Replace(endpoint(origin))).await
    }

    async fn serve(upstream: &str, revocation: impl FnOnce(&str) -> Revocation) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let origin = format!("http://{addr}");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = ProxyState {
            upstream: upstream.to_owned(),
            http: reqwest::Client::builder().no_proxy().build().expect("client"),
            seen: seen.clone(),
            revocation: revocation(&origin),
        };
        let app = axum::Router::new().fallback(forward).with_state(state);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { origin, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Requests to the token endpoint with `grant_type=refresh_token`.
    pub fn refresh_requests(&self) -> usize {
        self.seen()
            .iter()
            .filter(|s| {
                s.path.ends_with("oauth2/v2.0/token") && s.body.contains("grant_type=refresh_token")
            })
            .count()
    }

    pub fn count_path(&self, suffix: &str) -> usize {
        self.seen().iter().filter(|s| s.path.ends_with(suffix)).count()
    }
}

async fn forward(
    axum::extract::State(p): axum::extract::State<ProxyState>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.expect("body");
    let path = parts.uri.path().to_owned();
    let url = format!("{}{}", p.upstream, parts.uri.path_and_query().map_or("/", |pq| pq.as_str()));
    let mut outgoing = p.http.request(parts.method.clone(), url);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            outgoing = outgoing.header(name, value);
        }
    }
    let answer = outgoing.body(body.clone()).send().await.expect("upstream answers");
    let status = answer.status();
    let headers = answer.headers().clone();
    let mut bytes = answer.bytes().await.expect("upstream body").to_vec();
    if path.ends_with("openid-configuration") {
        let mut doc: serde_json::Value = serde_json::from_slice(&bytes).expect("discovery json");
        let doc_object = doc.as_object_mut().expect("object");
        match &p.revocation {
            Revocation::Keep => {}
            Revocation::Remove => {
                doc_object.remove("revocation_endpoint");
            }
            Revocation::Replace(endpoint) => {
                doc_object.insert("revocation_endpoint".to_owned(), endpoint.clone().into());
            }
        }
        bytes = serde_json::to_vec(&doc).expect("json");
    }
    let header_text = |name: &str| {
        parts.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    };
    p.seen.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        user_agent: header_text("user-agent"),
        accept_language: header_text("accept-language"),
        path,
        body: String::from_utf8_lossy(&body).into_owned(),
        status: status.as_u16(),
    });
    let mut response = axum::response::Response::builder().status(status);
    for (name, value) in &headers {
        if name != "content-length" && name != "transfer-encoding" && name != "connection" {
            response = response.header(name, value);
        }
    }
    response.body(axum::body::Body::from(bytes)).expect("response")
}

// ---- raw TCP helpers ----

/// A TCP relay to `upstream` that closes a client connection once it has been idle for
/// `idle`, like a load balancer with a short keep-alive timeout. Counts accepted connections.
pub async fn idle_closing_relay(
    upstream: SocketAddr,
    idle: Duration,
) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut server = TcpStream::connect(upstream).await.expect("upstream");
                let (mut a, mut b) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
                loop {
                    tokio::select! {
                        r = client.read(&mut a) => match r {
                            Ok(0) | Err(_) => break,
                            Ok(n) => if server.write_all(&a[..n]).await.is_err() { break },
                        },
                        r = server.read(&mut b) => match r {
                            Ok(0) | Err(_) => break,
                            Ok(n) => if client.write_all(&b[..n]).await.is_err() { break },
                        },
                        () = tokio::time::sleep(idle) => break,
                    }
                }
                // Dropping both streams closes them.
            });
        }
    });
    (addr, accepted)
}

/// A listener that records whether anything connects to it (and what it sends), and never
/// answers: where a refresh token must never go.
pub async fn connection_spy() -> (SocketAddr, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let index = {
                let mut log = log.lock().unwrap();
                log.push(Vec::new());
                log.len() - 1
            };
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                while let Ok(n) = stream.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    log.lock().unwrap()[index].extend_from_slice(&buf[..n]);
                }
            });
        }
    });
    (addr, received)
}

/// A listener that accepts connections, reads, and never answers.
pub async fn silent_listener() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                while let Ok(n) = stream.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                }
            });
            held.push(());
        }
    });
    addr
}

/// A test CA and a TLS front (rustls) for `localhost` / 127.0.0.1 relaying to `upstream`.
/// Returns the front's address and the CA certificate in PEM.
pub async fn tls_front(upstream: SocketAddr) -> (SocketAddr, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Cartable Test CA");
    let ca = ca_params.self_signed(&ca_key).expect("ca");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf_params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).expect("leaf");
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).expect("leaf signed");

    let chain = vec![leaf.der().clone()];
    let key = tokio_rustls::rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der())
        .expect("key der");
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let Ok(mut server) = TcpStream::connect(upstream).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
            });
        }
    });
    (addr, ca.pem())
}

/// A TCP relay to `upstream` that drops the first `drop_first` connections as soon as the
/// request arrives (the peer resets), then relays normally. Counts accepted connections.
pub async fn flaky_relay(
    upstream: SocketAddr,
    drop_first: usize,
) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::spawn(async move {
                if n <= drop_first {
                    let mut buf = [0u8; 1024];
                    let _ = client.read(&mut buf).await;
                    return;
                }
                let Ok(mut server) = TcpStream::connect(upstream).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    (addr, accepted)
}

/// The decoded subject of the latest message to `email`.
pub fn latest_subject(outbox: &Path, email: &str) -> Option<String> {
    test_support::mails_to(outbox, email).pop().map(|mail| mail.subject)
}
