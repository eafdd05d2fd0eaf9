//! Shared test harness: the real portal in-process on `127.0.0.1:0` over a real SQLite file in a
//! temporary folder (or a real PostgreSQL database, [`POSTGRES_ENV`]), with a [`ManualClock`]
//! and an outbox, driven over real HTTP (reqwest).
//!
//! Use it from any test file of this crate with `mod common;`. Main entry points:
//! [`TestPortal::start`], [`TestPortal::start_in`], [`TestPortal::post`], [`TestPortal::mails_to`],
//! [`TestPortal::last_code`], [`TestPortal::sign_up`], [`TestPortal::sign_in`]; the messages are
//! `test_support`'s [`Mail`].
//!
//! `mod.rs` is allowed here: `tests/common.rs` would become a test binary of its own.
#![allow(dead_code, clippy::mod_module_files, clippy::unwrap_used, clippy::expect_used)]

pub mod binary;

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use portal_server::{
    AppState,
    clock::ManualClock,
    config::{Config, MailTransport},
    db::Location,
};
use serde_json::Value;
pub use test_support::Mail;
use time::OffsetDateTime;

/// The default public client.
pub const CLIENT: &str = "cartable";
/// The scope the app asks for.
pub const SCOPE: &str = "openid offline_access";
/// A password that passes the policy of `docs/contract.md §1`.
pub const PASSWORD: &str = "Bonjour123!";

/// A PostgreSQL server the portals of the tests use instead of SQLite files, e.g.
/// `postgres://cartable@127.0.0.1:54321`: `cargo xtask test` starts a throw-away cluster
/// (`initdb` in a temporary folder, a free port) and runs this crate's tests a second time with
/// it set. Each test folder gets its own database ([`database_for`]).
pub const POSTGRES_ENV: &str = "CARTABLE_TEST_POSTGRES";

/// A new HTTP client builder for a test's own requests, after making sure the process has a TLS
/// crypto provider (reqwest has none of its own here: `portal_server::install_crypto_provider`).
/// A test whose portal runs in another process has no `AppState::open` to install it.
pub fn http_builder() -> reqwest::ClientBuilder {
    portal_server::install_crypto_provider();
    reqwest::Client::builder()
}

/// [`http_builder`] with reqwest's defaults.
pub fn http() -> reqwest::Client {
    http_builder().build().expect("HTTP client")
}

/// The PostgreSQL server of [`POSTGRES_ENV`], if set.
pub fn postgres_server() -> Option<url::Url> {
    let server = std::env::var(POSTGRES_ENV).ok().filter(|s| !s.is_empty())?;
    Some(url::Url::parse(&server).expect("CARTABLE_TEST_POSTGRES is a postgres:// URL"))
}

/// Whether the tests run on SQLite files (no [`POSTGRES_ENV`]). Tests of what only SQLite has
/// (file modes, the file's bytes, its write-ahead log) return early otherwise, saying so.
pub fn on_sqlite(test: &str) -> bool {
    let sqlite = postgres_server().is_none();
    if !sqlite {
        eprintln!("{test}: SQLite only, skipped on PostgreSQL");
    }
    sqlite
}

/// The database of a portal whose files are in `dir`: `dir/portal.sqlite3`, or with
/// [`POSTGRES_ENV`] a PostgreSQL database named after `dir` (created if missing), so a portal
/// started again over the same folder finds its data, and two portals over one folder share it.
pub async fn database_for(dir: &Path) -> Location {
    use sha2::Digest as _;
    use sqlx::Connection as _;
    let Some(server) = postgres_server() else {
        return Location::Sqlite(dir.join("portal.sqlite3"));
    };
    let digest = sha2::Sha256::digest(dir.to_string_lossy().as_bytes());
    let name: String =
        digest[..8].iter().map(|b| format!("{b:02x}")).fold("test_".to_owned(), |s, h| s + &h);
    let mut admin = server.clone();
    admin.set_path("/postgres");
    let mut conn =
        sqlx::PgConnection::connect(admin.as_str()).await.expect("connect to PostgreSQL");
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await
            .expect("look the database up");
    if !exists {
        // Two portals started at once over one folder may both try: the second is told it
        // exists (42P04), which is what it wanted.
        if let Err(e) = sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await
            && !matches!(
                e.as_database_error().and_then(|d| d.code()).as_deref(),
                Some("42P04" | "23505")
            )
        {
            panic!("create database {name}: {e}");
        }
    }
    conn.close().await.expect("close");
    let mut url = server;
    url.set_path(&format!("/{name}"));
    Location::Postgres(url)
}

/// A portal running in this process; what it answers over HTTP is [`Remote`]'s (`Deref`).
pub struct TestPortal {
    /// The HTTP side: origin, outbox and the contract's flows.
    pub remote: Remote,
    /// The portal's state (database pool, config…), for assertions.
    pub state: AppState,
    /// The portal's clock: `clock.advance(Duration::seconds(601))`.
    pub clock: ManualClock,
    /// The folder holding the database (and the outbox unless SMTP is used).
    pub dir: PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _tmp: Option<tempfile::TempDir>,
}

impl std::ops::Deref for TestPortal {
    type Target = Remote;
    fn deref(&self) -> &Remote {
        &self.remote
    }
}

/// A portal reached over HTTP, in this process or a `portal-server` binary: its origin, the
/// outbox it writes to, and the contract's flows as one call each.
pub struct Remote {
    /// `http://127.0.0.1:{port}`.
    pub origin: String,
    /// The outbox folder, when the transport is an outbox.
    pub outbox: Option<PathBuf>,
    http: reqwest::Client,
}

/// An HTTP answer: status, JSON body (`Value::Null` if not JSON) and `Retry-After`.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// The body as JSON.
    pub json: Value,
    /// The raw body.
    pub text: String,
    /// The `Retry-After` header, parsed as seconds.
    pub retry_after: Option<u64>,
}

impl Reply {
    /// `continuation_token` of the body; panics with the body when absent.
    pub fn token(&self) -> String {
        self.json["continuation_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no continuation_token in {} {}", self.status, self.text))
            .to_owned()
    }

    /// `error` of the body ("" when absent).
    pub fn error(&self) -> &str {
        self.json["error"].as_str().unwrap_or("")
    }

    /// `suberror` of the body ("" when absent).
    pub fn suberror(&self) -> &str {
        self.json["suberror"].as_str().unwrap_or("")
    }

    /// Asserts an identity error body (`docs/contract.md §0`) with this status and `error`.
    pub fn assert_error(&self, status: u16, error: &str) {
        assert_eq!(self.status, status, "status of {}", self.text);
        assert_eq!(self.error(), error, "error of {}", self.text);
        assert_identity_error_shape(&self.json);
    }
}

/// Asserts the fields every identity error body carries (`docs/contract.md §0`).
pub fn assert_identity_error_shape(body: &Value) {
    assert!(body["error"].is_string(), "error: {body}");
    assert!(body["error_description"].is_string(), "error_description: {body}");
    assert!(body["error_codes"].as_array().is_some_and(|a| a.iter().all(Value::is_u64)), "{body}");
    for field in ["timestamp", "trace_id", "correlation_id"] {
        assert!(body[field].is_string(), "{field}: {body}");
    }
}

/// The clock's start: now, to the second (tokens carry realistic times).
pub fn start_time() -> OffsetDateTime {
    OffsetDateTime::now_utc().replace_nanosecond(0).expect("valid")
}

impl TestPortal {
    /// A portal over a fresh temporary folder, outbox transport, demo mode.
    pub async fn start() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut portal =
            Self::start_with(tmp.path(), ManualClock::new(start_time()), None, |_| {}).await;
        portal._tmp = Some(tmp);
        portal
    }

    /// A portal over the database in `dir` (kept by the caller, e.g. across a restart).
    pub async fn start_in(dir: &Path, clock: ManualClock) -> Self {
        Self::start_with(dir, clock, None, |_| {}).await
    }

    /// A portal over `dir` with `mail` (default: the outbox `dir/outbox`), after `configure`
    /// has adjusted the configuration.
    pub async fn start_with(
        dir: &Path,
        clock: ManualClock,
        mail: Option<MailTransport>,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let mut config =
            Config::demo_for(&listener, dir.join("portal.sqlite3"), dir.join("outbox"))
                .expect("config");
        config.database = database_for(dir).await;
        if let Some(mail) = mail {
            config.mail = mail;
        }
        // Every request of a test comes from 127.0.0.1: the per-address budget (SECURITY.md)
        // is tested on its own (tests/limits.rs), with its own numbers.
        config.security.per_address_per_minute = 1_000_000;
        config.security.per_address_burst = 1_000_000;
        configure(&mut config);
        let outbox = match &config.mail {
            MailTransport::Outbox(dir) => Some(dir.clone()),
            MailTransport::Smtp(_) => None,
        };
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        let state = AppState::open(config, Arc::new(clock.clone())).await.expect("open portal");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server =
            tokio::spawn(portal_server::serve_with_shutdown(listener, state.clone(), async move {
                let _ = rx.await;
            }));
        Self {
            remote: Remote::new(origin, outbox),
            state,
            clock,
            dir: dir.to_path_buf(),
            shutdown: Some(tx),
            server: Some(server),
            _tmp: None,
        }
    }

    /// Keeps `dir` (the folder the portal was started in) until the portal is dropped.
    pub fn keep_dir(&mut self, dir: tempfile::TempDir) {
        self._tmp = Some(dir);
    }

    /// Stops the server (graceful) and closes the database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        self.state.db.close().await;
    }
}

impl Remote {
    /// The portal at `origin` writing its mail into `outbox`.
    pub fn new(origin: String, outbox: Option<PathBuf>) -> Self {
        let http = http_builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .expect("client");
        Self { origin, outbox, http }
    }

    /// `{origin}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// POSTs a form to `path` (relative to the origin, e.g. `/auth/signup/v1.0/start`).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.post_lang(path, form, None).await
    }

    /// POSTs a form with an `Accept-Language` header.
    pub async fn post_lang(&self, path: &str, form: &[(&str, &str)], lang: Option<&str>) -> Reply {
        let mut req = self.http.post(self.url(path)).form(form);
        if let Some(lang) = lang {
            req = req.header("accept-language", lang);
        }
        into_reply(req.send().await.expect("request")).await
    }

    /// POSTs a raw body with a content type.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let req = self.http.post(self.url(path)).header("content-type", content_type).body(body);
        into_reply(req.send().await.expect("request")).await
    }

    /// Every message in the outbox, oldest first.
    pub fn mails(&self) -> Vec<Mail> {
        self.outbox.as_deref().map(test_support::outbox).unwrap_or_default()
    }

    /// Messages to `email` (compared case-insensitively), oldest first.
    pub fn mails_to(&self, email: &str) -> Vec<Mail> {
        self.outbox.as_deref().map(|o| test_support::mails_to(o, email)).unwrap_or_default()
    }

    /// The code of the last message to `email`; panics when there is none.
    pub fn last_code(&self, email: &str) -> String {
        let last = self.mails_to(email).pop().unwrap_or_else(|| panic!("no mail to {email}"));
        last.code().unwrap_or_else(|| panic!("no code in {last:?}"))
    }

    /// Sign-up step 1 (`docs/contract.md §1`): `start` for `email`, as the app sends it.
    pub async fn sign_up_start(&self, email: &str) -> Reply {
        self.post(
            "/auth/signup/v1.0/start",
            &[
                ("client_id", CLIENT),
                ("username", email),
                ("challenge_type", "oob password redirect"),
            ],
        )
        .await
    }

    /// Sign-in step 1 (`docs/contract.md §2`): `initiate` for `email`, as the app sends it.
    pub async fn initiate(&self, email: &str) -> Reply {
        self.post(
            "/auth/oauth2/v2.0/initiate",
            &[("client_id", CLIENT), ("username", email), ("challenge_type", "password redirect")],
        )
        .await
    }

    /// Sign-up steps 1–2 of `docs/contract.md §1`: `start`, then `challenge` sends the code;
    /// returns the token for `continue` with `grant_type=oob`.
    pub async fn sign_up_code_sent(&self, email: &str) -> String {
        let r = self.sign_up_start(email).await;
        assert_eq!(r.status, 200, "start: {}", r.text);
        let r = self
            .post(
                "/auth/signup/v1.0/challenge",
                &[("client_id", CLIENT), ("continuation_token", &r.token())],
            )
            .await;
        assert_eq!(r.status, 200, "challenge: {}", r.text);
        assert_eq!(r.json["challenge_type"], "oob");
        r.token()
    }

    /// Reset steps 1–2 of `docs/contract.md §3`, each request with `lang` as
    /// `Accept-Language`; returns the token for `continue`.
    pub async fn reset_code_sent(&self, email: &str, lang: Option<&str>) -> String {
        let r = self
            .post_lang(
                "/auth/resetpassword/v1.0/start",
                &[("client_id", CLIENT), ("username", email), ("challenge_type", "oob redirect")],
                lang,
            )
            .await;
        assert_eq!(r.status, 200, "start: {}", r.text);
        let r = self
            .post_lang(
                "/auth/resetpassword/v1.0/challenge",
                &[("client_id", CLIENT), ("continuation_token", &r.token())],
                lang,
            )
            .await;
        assert_eq!(r.json["challenge_type"], "oob", "challenge: {}", r.text);
        r.token()
    }

    /// Reset steps 1–3 (`docs/contract.md §3`) with the right code, each request with `lang` as
    /// `Accept-Language`; returns the `submit` token.
    pub async fn reset_to_submit(&self, email: &str, lang: Option<&str>) -> String {
        let token = self.reset_code_sent(email, lang).await;
        let code = self.last_code(email);
        let r = self.reset_continue(&token, &code, lang).await;
        assert_eq!(r.status, 200, "continue: {}", r.text);
        assert_eq!(r.json["expires_in"], 600);
        r.token()
    }

    /// Reset step 3 (`docs/contract.md §3`): `continue` with `code` on `token`, with `lang` as
    /// `Accept-Language`.
    pub async fn reset_continue(&self, token: &str, code: &str, lang: Option<&str>) -> Reply {
        self.post_lang(
            "/auth/resetpassword/v1.0/continue",
            &[
                ("client_id", CLIENT),
                ("continuation_token", token),
                ("grant_type", "oob"),
                ("oob", code),
            ],
            lang,
        )
        .await
    }

    /// Signs `email` up and exchanges the sign-up's token (§1 step 6): an access token for the
    /// parent API.
    pub async fn signed_up_access(&self, email: &str) -> String {
        let r = self.sign_up_tokens(email).await;
        r.json["access_token"].as_str().expect("access_token").to_owned()
    }

    /// Signs `email` up and exchanges the sign-up's token (§1 step 6): the token response.
    pub async fn sign_up_tokens(&self, email: &str) -> Reply {
        let token = self.sign_up(email, PASSWORD).await;
        let r = self
            .post(
                "/auth/oauth2/v2.0/token",
                &[
                    ("client_id", CLIENT),
                    ("grant_type", "continuation_token"),
                    ("continuation_token", &token),
                    ("username", email),
                    ("scope", SCOPE),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "token: {}", r.text);
        r
    }

    /// `challenge` on `path` (`…/signup/v1.0/challenge`, `…/oauth2/v2.0/challenge`…) with
    /// `token`.
    pub async fn challenge(&self, path: &str, token: &str) -> Reply {
        self.post(path, &[("client_id", CLIENT), ("continuation_token", token)]).await
    }

    /// `continue` on `path` with `grant_type=oob` and `code`.
    pub async fn continue_oob(&self, path: &str, token: &str, code: &str) -> Reply {
        self.post(
            path,
            &[
                ("client_id", CLIENT),
                ("continuation_token", token),
                ("grant_type", "oob"),
                ("oob", code),
            ],
        )
        .await
    }

    /// `continue` on `path` with `grant_type=password` and `password`.
    pub async fn continue_password(&self, path: &str, token: &str, password: &str) -> Reply {
        self.post(
            path,
            &[
                ("client_id", CLIENT),
                ("continuation_token", token),
                ("grant_type", "password"),
                ("password", password),
            ],
        )
        .await
    }

    /// The whole sign-up of `docs/contract.md §1` (steps 1–5); returns the continuation token
    /// for the token endpoint.
    pub async fn sign_up(&self, email: &str, password: &str) -> String {
        let token = self.sign_up_code_sent(email).await;
        let code = self.last_code(email);
        let r = self.continue_oob("/auth/signup/v1.0/continue", &token, &code).await;
        r.assert_error(400, "credential_required");
        let r = self.challenge("/auth/signup/v1.0/challenge", &r.token()).await;
        assert_eq!(r.json["challenge_type"], "password", "{}", r.text);
        let r = self.continue_password("/auth/signup/v1.0/continue", &r.token(), password).await;
        assert_eq!(r.status, 200, "continue password: {}", r.text);
        r.token()
    }

    /// Sign-in (`docs/contract.md §2`): `initiate`, `challenge`, then the `password` grant; the
    /// token endpoint's reply (tokens, or the error).
    pub async fn sign_in(&self, email: &str, password: &str) -> Reply {
        let token = self.sign_in_token(email).await;
        self.password_grant(&token, password).await
    }

    /// `initiate` then `challenge`: the token for the `password` grant.
    pub async fn sign_in_token(&self, email: &str) -> String {
        let r = self.initiate(email).await;
        assert_eq!(r.status, 200, "initiate: {}", r.text);
        let r = self
            .post(
                "/auth/oauth2/v2.0/challenge",
                &[("client_id", CLIENT), ("continuation_token", &r.token())],
            )
            .await;
        assert_eq!(r.json["challenge_type"], "password", "{}", r.text);
        r.token()
    }

    /// The token endpoint's `password` grant.
    pub async fn password_grant(&self, continuation_token: &str, password: &str) -> Reply {
        self.post(
            "/auth/oauth2/v2.0/token",
            &[
                ("client_id", CLIENT),
                ("grant_type", "password"),
                ("continuation_token", continuation_token),
                ("password", password),
                ("scope", SCOPE),
            ],
        )
        .await
    }
}

/// The harness's [`Reply`] of a response sent by hand (custom headers, other methods).
pub async fn into_reply(resp: reqwest::Response) -> Reply {
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let text = resp.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply { status, json, text, retry_after }
}

/// `count` requests built by `request(portal, i)`, sent at the same moment (a barrier releases
/// them together), to `portals` in turn (`i % portals.len()`); their replies in order.
pub async fn burst<F, Fut>(portals: &[Arc<TestPortal>], count: usize, request: F) -> Vec<Reply>
where
    F: Fn(Arc<TestPortal>, usize) -> Fut,
    Fut: std::future::Future<Output = Reply> + Send + 'static,
{
    let gate = Arc::new(tokio::sync::Barrier::new(count));
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let gate = Arc::clone(&gate);
            let sent = request(Arc::clone(&portals[i % portals.len()]), i);
            tokio::spawn(async move {
                gate.wait().await;
                sent.await
            })
        })
        .collect();
    let mut replies = Vec::with_capacity(count);
    for task in tasks {
        replies.push(task.await.expect("request task"));
    }
    replies
}
