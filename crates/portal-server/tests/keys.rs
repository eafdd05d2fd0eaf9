//! Keys outside the database (`docs/contract.md §6` "Privacy", §4): a copy of the database alone
//! mints nothing the portal accepts, rotation by `kid`, owner-only files, and the binary's
//! `keys`, demo-guard and secret-from-the-environment rules. Real servers over loopback, real
//! SQLite files; the binary where the command line is what is tested.

mod common;

use std::{
    io::{BufRead as _, BufReader, Write as _},
    path::Path,
    sync::{Arc, Mutex},
    time::Duration as StdDuration,
};

use common::{
    CLIENT, PASSWORD, TestPortal,
    binary::{Served, portal_server, run},
};
use portal_server::{
    clock::{Clock as _, ManualClock},
    db,
    keys::{KeySource, read, rotate_file},
    tokens::AccessClaims,
};
use serde_json::Value;
use time::Duration;

const ROSE: &str = r#"{"kind": "student", "board_id": "css-laval", "school": {"code": "071001", "name": "École des Érables"}, "student_number": "0999999", "last_name": "Ouellet", "first_name": "Rose", "birth_date": "2015-06-01", "grade": "6e année", "guardian_emails": ["rose.parent@example.com"]}"#;

/// `GET {origin}{path}` with an optional bearer token: status and JSON body.
async fn get(origin: &str, path: &str, bearer: Option<&str>) -> (u16, Value) {
    let mut request = common::http().get(format!("{origin}{path}"));
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The `kid`s of the portal's JWKS.
async fn jwks_kids(origin: &str) -> Vec<String> {
    let (status, body) = get(origin, "/auth/discovery/v2.0/keys", None).await;
    assert_eq!(status, 200, "{body}");
    body["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["kid"].as_str().expect("kid").to_owned())
        .collect()
}

fn kid_of(jwt: &str) -> String {
    jsonwebtoken::decode_header(jwt).expect("header").kid.expect("kid")
}

/// Signs up `email` and signs in: the token response.
async fn account(p: &TestPortal, email: &str) -> Value {
    p.sign_up(email, PASSWORD).await;
    let r = p.sign_in(email, PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json
}

#[tokio::test]
async fn a_copy_of_the_database_alone_mints_nothing_the_original_accepts() {
    if !common::on_sqlite("a_copy_of_the_database_alone_mints_nothing_the_original_accepts") {
        return;
    }
    let original = TestPortal::start().await;
    let tokens = account(&original, "copie@exemple.ca").await;
    let access = tokens["access_token"].as_str().expect("access");
    let refresh = tokens["refresh_token"].as_str().expect("refresh");
    let (status, me) = get(&original.origin, "/api/v1/me", Some(access)).await;
    assert_eq!(status, 200, "{me}");
    let account_id = me["id"].as_str().expect("id").to_owned();

    // No key material in the database; the keys are in the file beside it.
    let secrets: i64 =
        db::on!(original.state.db, |c| sqlx::query_scalar("SELECT COUNT(*) FROM server_secrets")
            .fetch_one(c)
            .await)
        .expect("count");
    assert_eq!(secrets, 0);
    assert!(original.dir.join("portal.keys.json").is_file());

    // The database alone, copied to a second portal that has its own (fresh) key file.
    let copy_dir = tempfile::tempdir().expect("tempdir");
    let copy_db = copy_dir.path().join("portal.sqlite3");
    db::on!(original.state.db, |c| sqlx::query("VACUUM INTO $1")
        .bind(copy_db.to_str().expect("utf-8 path"))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .expect("copy the database");
    let copy = TestPortal::start_in(copy_dir.path(), ManualClock::new(common::start_time())).await;
    let (original_kids, copy_kids) =
        (jwks_kids(&original.origin).await, jwks_kids(&copy.origin).await);
    assert!(copy_kids.iter().all(|k| !original_kids.contains(k)), "{copy_kids:?}");

    // An access token forged by the copy for the original's issuer and audience: refused.
    let now = copy.clock.now().unix_timestamp();
    let forged = copy
        .state
        .signing_keys
        .sign(&AccessClaims {
            iss: original.state.config.issuer(),
            sub: account_id.clone(),
            aud: original.state.config.api_base(),
            scp: "parent".into(),
            iat: now,
            exp: now + 900,
            jti: uuid::Uuid::new_v4().to_string(),
        })
        .expect("sign");
    let (status, body) = get(&original.origin, "/api/v1/me", Some(&forged)).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "invalid_token");
    // Same with a token the copy issues through its own sign-in (the password hash was copied).
    let r = copy.sign_in("copie@exemple.ca", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let copied = r.json["access_token"].as_str().expect("access");
    assert_eq!(get(&original.origin, "/api/v1/me", Some(copied)).await.0, 401);

    // The original's refresh token means nothing to the copy (its hash is keyed).
    let r = copy
        .post(
            "/auth/oauth2/v2.0/token",
            &[("client_id", CLIENT), ("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
    r.assert_error(400, "invalid_grant");
    // …while the original still honours it.
    let r = original
        .post(
            "/auth/oauth2/v2.0/token",
            &[("client_id", CLIENT), ("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    copy.stop().await;
    original.stop().await;
}

#[tokio::test]
async fn rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_kid() {
    let p = TestPortal::start().await;
    let keys = p.dir.join("portal.keys.json");
    let before = account(&p, "rotation@exemple.ca").await;
    let old_access = before["access_token"].as_str().expect("access").to_owned();
    let old_kid = kid_of(&old_access);

    // `keys rotate --activate-in 0`, then the reload a maintenance task does.
    let out = portal_server()
        .args(["keys", "rotate", "--keys"])
        .arg(&keys)
        .args(["--activate-in", "0"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("added signing key") && stdout.contains("no key removed"), "{stdout}");
    assert!(p.state.signing_keys.reload().await.expect("reload"));
    assert!(!p.state.signing_keys.reload().await.expect("reload"), "unchanged since");
    assert_file_mode(&keys, 0o600);

    // The new key signs from its active_from by the portal's clock (the command used the
    // system clock, a little ahead of the test's manual clock).
    let file = read(&KeySource::File { path: keys.clone(), create: false }).await.expect("read");
    let newest = file.file.signing.last().expect("a key");
    let new_kid = newest.kid.clone();
    assert_ne!(new_kid, old_kid);
    let wait = newest.active_from - p.clock.now();
    if wait.is_positive() {
        p.clock.advance(wait);
    }
    assert_eq!(
        get(&p.origin, "/api/v1/me", Some(&old_access)).await.0,
        200,
        "old token still valid"
    );
    let after = p.sign_in("rotation@exemple.ca", PASSWORD).await;
    assert_eq!(after.status, 200, "{}", after.text);
    let new_access = after.json["access_token"].as_str().expect("access");
    assert_eq!(kid_of(new_access), new_kid);
    assert_eq!(kid_of(after.json["id_token"].as_str().expect("id token")), new_kid);
    assert_eq!(get(&p.origin, "/api/v1/me", Some(new_access)).await.0, 200);
    let kids = jwks_kids(&p.origin).await;
    assert!(kids.contains(&old_kid) && kids.contains(&new_kid), "{kids:?}");

    // A rotation before the old key has been superseded for 900 s + 300 s keeps it…
    let lifetime = p.state.config.lifetimes.access_token;
    let superseded = newest.active_from;
    let early = superseded + Duration::seconds(900 + 299);
    let rotation = rotate_file(&keys, early, StdDuration::ZERO, lifetime).await.expect("rotate");
    assert!(rotation.removed.is_empty(), "{rotation}");
    // …one after it removes it: no token it signed can still be valid.
    let late = superseded + Duration::seconds(900 + 300);
    let rotation = rotate_file(&keys, late, StdDuration::ZERO, lifetime).await.expect("rotate");
    assert_eq!(rotation.removed, vec![old_kid.clone()]);
    p.clock.advance(late - p.clock.now());
    assert!(p.state.signing_keys.reload().await.expect("reload"));
    let kids = jwks_kids(&p.origin).await;
    assert!(!kids.contains(&old_kid) && kids.contains(&new_kid), "{kids:?}");
    assert_eq!(kids.len(), 3, "{kids:?}");
    assert_eq!(p.state.signing_keys.signer_kid(), rotation.added);
    assert_eq!(get(&p.origin, "/api/v1/me", Some(&old_access)).await.0, 401);
    p.stop().await;
}

#[tokio::test]
async fn the_key_file_the_database_and_the_outbox_are_created_owner_only() {
    if !common::on_sqlite("the_key_file_the_database_and_the_outbox_are_created_owner_only") {
        return;
    }
    let p = TestPortal::start().await;
    account(&p, "fichiers@exemple.ca").await;
    assert_file_mode(&p.dir.join("portal.keys.json"), 0o600);
    assert_file_mode(&p.dir.join("portal.sqlite3"), 0o600);
    // The sign-up's code went to the outbox: the folder and the message are the owner's only.
    let outbox = p.outbox.clone().expect("outbox");
    assert_file_mode(&outbox, 0o700);
    let messages: Vec<_> = std::fs::read_dir(&outbox).expect("outbox").flatten().collect();
    assert!(!messages.is_empty());
    for message in messages {
        assert_file_mode(&message.path(), 0o600);
    }
    let wal = p.dir.join("portal.sqlite3-wal");
    if wal.exists() {
        assert_file_mode(&wal, 0o600);
    }
    let key_file = std::fs::read_to_string(p.dir.join("portal.keys.json")).expect("read");
    let json: Value = serde_json::from_str(&key_file).expect("json");
    assert!(json["hmac"].is_string() && json["signing"][0]["pem"].is_string(), "{json:#}");
    p.stop().await;
}

#[tokio::test]
async fn keys_left_in_the_database_by_an_older_portal_move_into_the_key_file() {
    if !common::on_sqlite("keys_left_in_the_database_by_an_older_portal_move_into_the_key_file") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(common::start_time());
    let p = TestPortal::start_in(dir.path(), clock.clone()).await;
    let tokens = account(&p, "ancien@exemple.ca").await;
    // Restarts keep the configured origin (the issuer and audience of the tokens).
    let origin = p.state.config.origin.clone();
    p.stop().await;
    // What an older portal left: its keys in server_secrets (migrations/0001), no key file.
    let keys = dir.path().join("portal.keys.json");
    let source = KeySource::File { path: keys.clone(), create: false };
    let legacy = read(&source).await.expect("read").file;
    std::fs::remove_file(&keys).expect("remove");
    let insert_legacy = || async {
        let db =
            db::Db::open(&dir.path().join("portal.sqlite3").into(), db::PoolSettings::default())
                .await
                .expect("db");
        let signing = &legacy.signing[0];
        for (name, value) in
            [("hmac".to_owned(), &legacy.hmac), (format!("rs256:{}", signing.kid), &signing.pem)]
        {
            db::on!(db, |c| sqlx::query(
                "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3)"
            )
            .bind(name)
            .bind(value)
            .bind("2026-01-05T14:03:00Z")
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
            .expect("insert");
        }
        db
    };
    insert_legacy().await.close().await;

    // A demo start creates the key file from them and empties the table: sessions survive.
    let p = TestPortal::start_with(dir.path(), clock.clone(), None, |c| c.origin = origin).await;
    let moved = read(&source).await.expect("read").file;
    assert_eq!(moved.hmac, legacy.hmac);
    assert_eq!(moved.signing[0].kid, legacy.signing[0].kid);
    let left: i64 =
        db::on!(p.state.db, |c| sqlx::query_scalar("SELECT COUNT(*) FROM server_secrets")
            .fetch_one(c)
            .await)
        .expect("count");
    assert_eq!(left, 0);
    assert_no_key_bytes(dir.path(), &legacy);
    let access = tokens["access_token"].as_str().expect("access");
    assert_eq!(get(&p.origin, "/api/v1/me", Some(access)).await.0, 200);
    let r = p
        .post(
            "/auth/oauth2/v2.0/token",
            &[
                ("client_id", CLIENT),
                ("grant_type", "refresh_token"),
                ("refresh_token", tokens["refresh_token"].as_str().expect("refresh")),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    p.stop().await;

    // Rows left beside an existing key file are never read: the portal refuses to start…
    insert_legacy().await.close().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let config = portal_server::config::Config::demo_for(
        &listener,
        dir.path().join("portal.sqlite3"),
        dir.path().join("outbox"),
    )
    .expect("config");
    let Err(error) = portal_server::AppState::open(config, Arc::new(clock)).await else {
        panic!("started with keys left in server_secrets");
    };
    let message = error.to_string();
    assert!(message.contains("server_secrets"), "{message}");
    assert!(message.contains("portal-server keys init --keys NEW_PATH --db DATABASE"), "{message}");
    // …and `keys init --db` moves them into a new file.
    let (ok, stdout, stderr) = run(portal_server()
        .args(["keys", "init", "--keys", "new.json", "--db", "portal.sqlite3"])
        .current_dir(dir.path()));
    assert!(ok, "{stderr}");
    assert!(stdout.contains(&legacy.signing[0].kid), "{stdout}");
    let imported = read(&KeySource::File { path: dir.path().join("new.json"), create: false })
        .await
        .expect("read")
        .file;
    assert_eq!(imported.hmac, legacy.hmac);
    let db = db::Db::open(&dir.path().join("portal.sqlite3").into(), db::PoolSettings::default())
        .await
        .expect("db");
    let left: i64 = db::on!(db, |c| sqlx::query_scalar("SELECT COUNT(*) FROM server_secrets")
        .fetch_one(c)
        .await)
    .expect("n");
    assert_eq!(left, 0);
    db.close().await;
    assert_no_key_bytes(dir.path(), &legacy);
}

/// The database file and its write-ahead log hold none of `keys`' bytes: deleted rows are
/// overwritten and the file rebuilt, so a copy made after the import holds no key.
fn assert_no_key_bytes(dir: &Path, keys: &portal_server::keys::KeyFile) {
    let pem_body = keys.signing[0].pem.lines().nth(1).expect("a PEM body line").to_owned();
    for name in ["portal.sqlite3", "portal.sqlite3-wal"] {
        let Ok(bytes) = std::fs::read(dir.join(name)) else { continue };
        let text = String::from_utf8_lossy(&bytes);
        for needle in [keys.hmac.as_str(), "PRIVATE KEY", pem_body.as_str()] {
            assert!(!text.contains(needle), "{name} still holds key material");
        }
    }
}

#[cfg(unix)]
fn assert_file_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    let actual = std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(actual, mode, "{} is {actual:o}", path.display());
}

#[cfg(not(unix))]
fn assert_file_mode(_: &Path, _: u32) {}

// ---- The binary ----------------------------------------------------------------------------

#[test]
fn serve_outside_demo_needs_a_key_file_and_init_creates_one_owner_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let serve = |extra: &[&str]| {
        run(portal_server()
            .args(["serve", "--listen", "127.0.0.1:0", "--db", "p.sqlite3", "--outbox", "out"])
            .args(extra)
            .current_dir(dir.path()))
    };
    let (ok, stdout, stderr) = serve(&[]);
    assert!(!ok && stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("portal-server keys init --keys PATH"), "{stderr}");
    assert!(stderr.contains("PORTAL_KEYS"), "{stderr}");

    let (ok, stdout, stderr) = serve(&["--keys", "k.json"]);
    assert!(!ok && stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("k.json does not exist"), "{stderr}");
    assert!(stderr.contains("portal-server keys init --keys k.json"), "{stderr}");
    assert!(!dir.path().join("k.json").exists(), "never created outside demo mode");

    let (ok, stdout, stderr) =
        run(portal_server().args(["keys", "init", "--keys", "k.json"]).current_dir(dir.path()));
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("created key file k.json"), "{stdout}");
    assert_file_mode(&dir.path().join("k.json"), 0o600);
    let (ok, _, stderr) =
        run(portal_server().args(["keys", "init", "--keys", "k.json"]).current_dir(dir.path()));
    assert!(!ok && stderr.contains("already exists"), "{stderr}");

    // The config file names it too, relative to the config file's folder.
    std::fs::create_dir(dir.path().join("etc")).expect("mkdir");
    std::fs::rename(dir.path().join("k.json"), dir.path().join("etc/k.json")).expect("move");
    std::fs::write(dir.path().join("etc/portal.toml"), "keys = \"k.json\"\n").expect("write");
    let served = Served::start(
        portal_server()
            .args(["serve", "--listen", "127.0.0.1:0", "--db", "p.sqlite3", "--outbox", "out"])
            .args(["--config", "etc/portal.toml"])
            .current_dir(dir.path()),
    );
    served.stop();
    assert_file_mode(&dir.path().join("p.sqlite3"), 0o600);
}

#[tokio::test]
async fn portal_keys_in_the_environment_are_used_and_no_file_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, _, stderr) =
        run(portal_server().args(["keys", "init", "--keys", "k.json"]).current_dir(dir.path()));
    assert!(ok, "{stderr}");
    let json = std::fs::read_to_string(dir.path().join("k.json")).expect("read");
    std::fs::remove_file(dir.path().join("k.json")).expect("remove");
    let kid = serde_json::from_str::<Value>(&json).expect("json")["signing"][0]["kid"]
        .as_str()
        .expect("kid")
        .to_owned();
    let served = Served::start(
        portal_server()
            .args(["serve", "--listen", "127.0.0.1:0", "--db", "p.sqlite3", "--outbox", "out"])
            .env("PORTAL_KEYS", &json)
            .current_dir(dir.path()),
    );
    let kids = jwks_kids(&served.origin).await;
    let stderr = served.stop();
    assert_eq!(kids, vec![kid]);
    assert!(!stderr.contains("BEGIN PRIVATE KEY"), "{stderr}");
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|name| name.contains("keys"))
        .collect();
    assert!(files.is_empty(), "{files:?}");

    // An invalid PORTAL_KEYS is named, its content is not echoed.
    let (ok, stdout, stderr) = run(portal_server()
        .args(["serve", "--listen", "127.0.0.1:0", "--db", "p.sqlite3", "--outbox", "out"])
        .env("PORTAL_KEYS", "{\"hmac\": \"not-a-secret-shown\", \"signing\": []}")
        .current_dir(dir.path()));
    assert!(!ok && stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("PORTAL_KEYS is not a valid key file"), "{stderr}");
    assert!(!stderr.contains("not-a-secret-shown"), "{stderr}");
}

#[test]
fn demo_refuses_a_non_loopback_listen_address() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, stdout, stderr) = run(portal_server()
        .args(["serve", "--demo", "--listen", "0.0.0.0:0", "--db", "p.sqlite3"])
        .current_dir(dir.path()));
    assert!(!ok && stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("--demo refuses --listen 0.0.0.0:0"), "{stderr}");
    assert!(stderr.contains("loopback") && stderr.contains("without --demo"), "{stderr}");
    assert!(!dir.path().join("p.sqlite3").exists() && !dir.path().join("p.keys.json").exists());
}

#[test]
fn demo_refuses_a_registry_holding_other_students_than_the_fixture() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A demo database holds only the fixture: demo serves it.
    let served = Served::start(
        portal_server()
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db", "p.sqlite3"])
            .current_dir(dir.path()),
    );
    served.stop();
    // One imported student more, and --demo refuses it.
    std::fs::write(dir.path().join("rose.jsonl"), format!("{ROSE}\n")).expect("write");
    let (ok, stdout, stderr) = run(portal_server()
        .args(["registry", "import", "rose.jsonl", "--db", "p.sqlite3", "--keys", "p.keys.json"])
        .current_dir(dir.path()));
    assert!(ok, "{stdout}{stderr}");
    let (ok, stdout, stderr) = run(portal_server()
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db", "p.sqlite3"])
        .current_dir(dir.path()));
    assert!(!ok && stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("--demo refuses p.sqlite3"), "{stderr}");
    assert!(stderr.contains("1 student record(s) that are not the demo fixture"), "{stderr}");
    assert!(stderr.contains("without --demo"), "{stderr}");
}

/// A minimal SMTP server on 127.0.0.1 recording the `RCPT TO` addresses it is given.
struct SmtpSink {
    port: u16,
    recipients: Arc<Mutex<Vec<String>>>,
}

impl SmtpSink {
    fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let recipients = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&recipients);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let sink = Arc::clone(&sink);
                std::thread::spawn(move || {
                    let _ = converse(stream, &sink);
                });
            }
        });
        Self { port, recipients }
    }

    /// Waits up to 20 s for a message to `email`.
    async fn wait_for(&self, email: &str) -> bool {
        for _ in 0..200 {
            let got = self.recipients.lock().expect("lock").iter().any(|r| r.contains(email));
            if got {
                return true;
            }
            tokio::time::sleep(StdDuration::from_millis(100)).await;
        }
        false
    }
}

fn converse(stream: std::net::TcpStream, sink: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    writer.write_all(b"220 sink ESMTP\r\n")?;
    let mut in_data = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if in_data {
            if line == ".\r\n" {
                in_data = false;
                writer.write_all(b"250 queued\r\n")?;
            }
            continue;
        }
        let command = line.to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink\r\n250 8BITMIME\r\n"
        } else if command.starts_with("RCPT TO:") {
            sink.lock().expect("lock").push(line.trim().to_owned());
            b"250 ok\r\n"
        } else if command.starts_with("DATA") {
            in_data = true;
            b"354 go ahead\r\n"
        } else if command.starts_with("QUIT") {
            writer.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            b"250 ok\r\n"
        };
        writer.write_all(reply)?;
    }
}

/// `start` then `challenge` of the sign-up (`docs/contract.md §1`): a code is sent to `email`.
async fn request_code(origin: &str, email: &str) {
    let http = common::http();
    let start: Value = http
        .post(format!("{origin}/auth/signup/v1.0/start"))
        .form(&[
            ("client_id", CLIENT),
            ("username", email),
            ("challenge_type", "oob password redirect"),
        ])
        .send()
        .await
        .expect("start")
        .json()
        .await
        .expect("json");
    let token = start["continuation_token"].as_str().expect("token");
    let status = http
        .post(format!("{origin}/auth/signup/v1.0/challenge"))
        .form(&[("client_id", CLIENT), ("continuation_token", token)])
        .send()
        .await
        .expect("challenge")
        .status();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_smtp_url_comes_from_the_environment_or_the_config_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, _, stderr) =
        run(portal_server().args(["keys", "init", "--keys", "k.json"]).current_dir(dir.path()));
    assert!(ok, "{stderr}");
    let sink = SmtpSink::start();
    let serve = || {
        let mut command = portal_server();
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--db", "p.sqlite3", "--keys", "k.json"])
            .current_dir(dir.path());
        command
    };

    // PORTAL_SMTP_URL: nothing about SMTP on the command line.
    let served =
        Served::start(serve().env("PORTAL_SMTP_URL", format!("smtp://127.0.0.1:{}", sink.port)));
    request_code(&served.origin, "env@exemple.ca").await;
    assert!(sink.wait_for("env@exemple.ca").await, "delivered through PORTAL_SMTP_URL");
    served.stop();

    // `smtp = "…"` in --config.
    std::fs::write(
        dir.path().join("portal.toml"),
        format!("smtp = \"smtp://127.0.0.1:{}\"\n", sink.port),
    )
    .expect("write");
    let served = Served::start(serve().args(["--config", "portal.toml"]));
    request_code(&served.origin, "fichier@exemple.ca").await;
    assert!(sink.wait_for("fichier@exemple.ca").await, "delivered through the config file");
    served.stop();

    // Credentials given that way reach neither the log nor the process list.
    let url = format!("smtp://portal:s3cret-pw@127.0.0.1:{}", sink.port);
    let mut command = serve();
    command.env("RUST_LOG", "debug").env("PORTAL_SMTP_URL", &url);
    let served = Served::start(&mut command);
    let args = std::fs::read(format!("/proc/{}/cmdline", served.id())).unwrap_or_default();
    let stderr = served.stop();
    assert!(!String::from_utf8_lossy(&args).contains("s3cret-pw"));
    assert!(!stderr.contains("s3cret-pw"), "{stderr}");
}

#[test]
fn rotations_at_once_keep_every_key_follow_links_and_refuse_another_users_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, _, stderr) =
        run(portal_server().args(["keys", "init", "--keys", "k.json"]).current_dir(dir.path()));
    assert!(ok, "{stderr}");
    // Rotated through a link: the file it names changes, the link stays a link.
    #[cfg(unix)]
    std::os::unix::fs::symlink("k.json", dir.path().join("link.json")).expect("symlink");
    #[cfg(not(unix))]
    std::fs::copy(dir.path().join("k.json"), dir.path().join("link.json")).expect("copy");
    // Four rotations at once, two of them through the link: they take turns, none is lost.
    let children: Vec<_> = ["k.json", "link.json", "k.json", "link.json"]
        .into_iter()
        .map(|path| {
            portal_server()
                .args(["keys", "rotate", "--keys", path, "--activate-in", "0"])
                .current_dir(dir.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let text = std::fs::read_to_string(dir.path().join("k.json")).expect("read");
    let file: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(file["signing"].as_array().map(Vec::len), Some(5), "init's key and four more");
    #[cfg(unix)]
    assert!(
        std::fs::symlink_metadata(dir.path().join("link.json"))
            .expect("meta")
            .file_type()
            .is_symlink()
    );
    assert_file_mode(&dir.path().join("k.json"), 0o600);
    // A file of another user (when this test may give it one: as root) is not rewritten.
    #[cfg(unix)]
    if std::os::unix::fs::chown(dir.path().join("k.json"), Some(65534), None).is_ok() {
        let (ok, _, stderr) = run(portal_server()
            .args(["keys", "rotate", "--keys", "k.json"])
            .current_dir(dir.path()));
        assert!(!ok && stderr.contains("belongs to user id 65534"), "{stderr}");
        let after = std::fs::read_to_string(dir.path().join("k.json")).expect("read");
        assert_eq!(after, text, "unchanged");
    }
}

/// A token remembered as verified (src/tokens/verified.rs) counts only while its key is one of
/// the portal's: once the key leaves the key file (an operator ending a key by hand, before its
/// tokens expire), the token is refused at once, as a token never seen before would be.
#[tokio::test]
async fn a_remembered_token_is_refused_once_its_key_leaves_the_key_file() {
    let p = TestPortal::start().await;
    let keys = p.dir.join("portal.keys.json");
    let tokens = account(&p, "oubli@exemple.ca").await;
    let access = tokens["access_token"].as_str().expect("access").to_owned();
    let old_kid = kid_of(&access);
    for _ in 0..2 {
        assert_eq!(get(&p.origin, "/api/v1/me", Some(&access)).await.0, 200);
    }

    // A new key active now; then the old one taken out of the file.
    let lifetime = p.state.config.lifetimes.access_token;
    rotate_file(&keys, p.clock.now(), StdDuration::ZERO, lifetime).await.expect("rotate");
    let mut file: Value =
        serde_json::from_str(&std::fs::read_to_string(&keys).expect("read")).expect("JSON");
    file["signing"].as_array_mut().expect("signing").retain(|k| k["kid"] != old_kid.as_str());
    std::fs::write(&keys, serde_json::to_string_pretty(&file).expect("JSON")).expect("write");
    assert!(p.state.signing_keys.reload().await.expect("reload"));
    assert!(!jwks_kids(&p.origin).await.contains(&old_kid));

    for path in ["/api/v1/me", "/api/v1/children"] {
        let (status, problem) = get(&p.origin, path, Some(&access)).await;
        assert_eq!(status, 401, "{path}: {problem}");
        assert_eq!(problem["detail"], "invalid access token", "{path}");
    }
    p.stop().await;
}
