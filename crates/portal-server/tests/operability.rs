//! Operability (deploy/README.md): `/readyz`, Prometheus metrics on their own address, JSON
//! logs, settings from the environment, `migrate`, the refusal of a schema from a newer binary,
//! and a bounded graceful shutdown. The readiness test runs the portal in-process
//! ([`common::TestPortal`]); the others run the real binary over loopback and a real SQLite file.

mod common;

use portal_server::db;
use std::time::{Duration, Instant};

use common::{
    CLIENT, PASSWORD, Remote, TestPortal,
    binary::{Served, portal_server, run},
    into_reply,
};
use serde_json::{Value, json};

// ---- /readyz -------------------------------------------------------------------------------

#[tokio::test]
async fn readyz_follows_the_database_and_the_outbox() {
    let p = TestPortal::start().await;
    let http = common::http();
    let readyz =
        || async { into_reply(http.get(p.url("/readyz")).send().await.expect("get")).await };

    let r = readyz().await;
    assert_eq!((r.status, &r.json), (200, &json!({"status": "ready"})), "{}", r.text);

    // Every connection of the pool busy: the database cannot answer in time.
    let held = db::on!(p.state.db, |pool| {
        let mut held = Vec::new();
        for _ in 0..pool.options().get_max_connections() {
            held.push(pool.acquire().await.expect("connection"));
        }
        Box::new(held) as Box<dyn std::any::Any + Send>
    });
    let r = readyz().await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.retry_after, Some(5));
    assert_eq!(r.json["status"], "not_ready");
    assert_eq!(r.json["failed"], json!(["database"]));
    assert_eq!(
        r.json["checks"],
        json!({"database": "timeout", "migrations": "unknown", "mail": "ok"})
    );
    let health = into_reply(http.get(p.url("/healthz")).send().await.expect("get")).await;
    assert_eq!((health.status, health.text.as_str()), (200, "ok"), "alive all the same");
    drop(held);
    assert_eq!(readyz().await.status, 200, "ready again once the database answers");

    // The outbox folder gone: mail cannot be written.
    let outbox = p.outbox.clone().expect("outbox");
    std::fs::remove_dir_all(&outbox).expect("remove outbox");
    let r = readyz().await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.json["failed"], json!(["mail"]));
    assert_eq!(r.json["checks"]["mail"], "outbox_missing");
    assert!(!r.text.contains(&outbox.display().to_string()), "no path in {}", r.text);
    std::fs::create_dir(&outbox).expect("recreate outbox");
    assert_eq!(readyz().await.status, 200);

    // The pool closed: the database is unavailable for good.
    p.state.db.close().await;
    let r = readyz().await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.json["failed"], json!(["database"]));
    assert_eq!(r.json["checks"]["database"], "unavailable");
    p.stop().await;
}

#[tokio::test]
async fn readyz_fails_while_postgresql_refuses_connections_and_recovers() {
    use sqlx::Connection as _;
    let (Some(server), p) = (common::postgres_server(), TestPortal::start().await) else {
        eprintln!("PostgreSQL only (CARTABLE_TEST_POSTGRES unset): skipped on SQLite");
        return;
    };
    let db::Location::Postgres(url) = &p.state.config.database else { panic!("PostgreSQL") };
    let name = url.path().trim_start_matches('/').to_owned();
    let mut admin_url = server;
    admin_url.set_path("/postgres");
    let mut admin = sqlx::PgConnection::connect(admin_url.as_str()).await.expect("admin");
    let http = common::http();
    let readyz =
        || async { into_reply(http.get(p.url("/readyz")).send().await.expect("get")).await };
    assert_eq!(readyz().await.status, 200);

    // The database stops accepting connections and the portal's are cut, as in a failover.
    for sql in [
        format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"),
        format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ),
    ] {
        sqlx::query(&sql).execute(&mut admin).await.expect(&sql);
    }
    let r = readyz().await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.json["failed"], json!(["database"]), "{}", r.text);

    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .execute(&mut admin)
        .await
        .expect("allow");
    let deadline = Instant::now() + Duration::from_secs(30);
    while readyz().await.status != 200 {
        assert!(Instant::now() < deadline, "ready again once the database accepts connections");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    p.stop().await;
}

// ---- The binary ----------------------------------------------------------------------------

/// Signs `email` up, then in with the password, then refreshes: one sign-in of each of the
/// kinds `continuation`, `password` and `refresh`. The last refresh token.
async fn sign_up_in_and_refresh(portal: &Remote, email: &str) -> String {
    let r = portal.sign_up_tokens(email).await;
    assert!(r.json["access_token"].is_string(), "{}", r.text);
    let r = portal.sign_in(email, PASSWORD).await;
    let refresh = r.json["refresh_token"].as_str().expect("password grant");
    let r = portal
        .post(
            "/auth/oauth2/v2.0/token",
            &[("client_id", CLIENT), ("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
    r.json["refresh_token"].as_str().expect("refresh grant").to_owned()
}

/// The value of the sample `name{labels}` in a Prometheus text exposition (labels as rendered,
/// in order), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|value| value.trim().parse().ok())
}

#[tokio::test]
async fn metrics_on_their_own_address_count_sign_ins_limit_hits_and_routes() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 10 identity requests make the sign-up, sign-in and refresh; the burst allows 20.
    std::fs::write(
        dir.path().join("portal.toml"),
        "[security]\nper_address_per_minute = 1\nper_address_burst = 20\n\
         [metrics]\nlisten = \"127.0.0.1:0\"\n",
    )
    .expect("config");
    // Every setting from the environment, JSON logs included.
    let served = Served::start(
        portal_server()
            .current_dir(dir.path())
            .arg("serve")
            .env("PORTAL_LISTEN", "127.0.0.1:0")
            .env("PORTAL_DB", "p.sqlite3")
            .env("PORTAL_DEMO", "1")
            .env("PORTAL_CONFIG", "portal.toml")
            .env("PORTAL_LOG_FORMAT", "json"),
    );
    assert!(dir.path().join("p.sqlite3").exists(), "PORTAL_DB");
    let metrics_addr = served.log_line("metrics serving on /metrics")["listen"]
        .as_str()
        .expect("listen")
        .to_owned();
    let http = common::http();
    let origin = served.origin.clone();
    let scrape = || async {
        let reply =
            http.get(format!("http://{metrics_addr}/metrics")).send().await.expect("scrape");
        assert_eq!(reply.status(), 200);
        reply.text().await.expect("text")
    };

    let remote = Remote::new(origin.clone(), Some(dir.path().join("outbox")));
    let refresh = sign_up_in_and_refresh(&remote, "ops@exemple.ca").await;
    // A route with a parameter: counted under its template, never its raw path.
    let dossier = http
        .get(format!("{origin}/api/v1/children/c0ffee-7e57/dossier"))
        .send()
        .await
        .expect("get");
    assert_eq!(dossier.status(), 401);
    // Spend the rest of the address's budget.
    let mut throttled = false;
    for _ in 0..15 {
        let r = into_reply(
            http.post(format!("{origin}/auth/oauth2/v2.0/initiate"))
                .form(&[("client_id", CLIENT), ("username", "x@exemple.ca")])
                .send()
                .await
                .expect("post"),
        )
        .await;
        if r.status == 429 {
            throttled = true;
            break;
        }
    }
    assert!(throttled, "the per-address budget was never spent");

    let text = scrape().await;
    for kind in ["password", "continuation", "refresh"] {
        assert_eq!(
            sample(&text, &format!("portal_sign_ins_total{{kind=\"{kind}\"}}")),
            Some(1.0),
            "{kind}:\n{text}"
        );
    }
    assert_eq!(sample(&text, "portal_codes_sent_total{purpose=\"sign_up\"}"), Some(1.0), "{text}");
    assert!(sample(&text, "portal_limit_hits_total{kind=\"per_address\"}") >= Some(1.0), "{text}");
    let token_ok = "portal_http_requests_total{method=\"POST\",route=\"/auth/oauth2/v2.0/token\",status=\"200\"}";
    assert_eq!(sample(&text, token_ok), Some(3.0), "{text}");
    let dossier = "portal_http_requests_total{method=\"GET\",route=\"/api/v1/children/{id}/dossier\",status=\"401\"}";
    assert_eq!(sample(&text, dossier), Some(1.0), "{text}");
    assert!(!text.contains("c0ffee"), "a raw path in the metrics");
    assert!(text.contains("portal_http_request_duration_seconds_bucket{method=\"POST\",route=\"/auth/oauth2/v2.0/token\",status=\"200\",le=\"0.005\"}"), "{text}");
    assert!(sample(&text, "portal_db_pool_connections") >= Some(1.0), "{text}");
    assert!(sample(&text, "portal_db_pool_idle_connections").is_some(), "{text}");
    assert_eq!(sample(&text, "portal_password_hashes_in_flight"), Some(0.0), "{text}");
    assert!(text.contains("# HELP portal_sign_ins_total"), "{text}");
    // A hit of a database limit: a wrong code counts nothing, ten more codes do (code_send).
    // Not needed here: the per-address hit above is a limit hit of its own kind.

    // Not on the portal's address.
    let r = http.get(format!("{origin}/metrics")).send().await.expect("get");
    assert_eq!(r.status(), 404);
    // The scrape is not itself counted as a portal request.
    assert!(!scrape().await.contains("route=\"/metrics\""));

    let (status, lines) = served.terminate();
    assert!(status.success(), "{status:?}\n{}", lines.join("\n"));
    assert!(!lines.is_empty());
    for line in &lines {
        let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(value["level"].is_string() && value["message"].is_string(), "{line}");
        assert!(!line.contains(&refresh), "a token in the log: {line}");
    }
    assert!(lines.iter().any(|l| l.contains("\"portal stopped\"")), "{lines:?}");
}

// ---- migrate and schemas from a newer binary -----------------------------------------------

#[test]
fn migrate_applies_the_migrations_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let known: Vec<i64> = portal_server::migrate::known_versions().collect();
    let (ok, stdout, stderr) =
        run(portal_server().current_dir(dir.path()).args(["migrate", "--db", "p.sqlite3"]));
    assert!(ok, "{stderr}");
    let applied: Vec<&str> = stdout.lines().collect();
    assert_eq!(applied.len(), known.len(), "{stdout}");
    assert_eq!(applied[0], "applied migration 1 (identity)", "{stdout}");
    assert!(dir.path().join("p.sqlite3").exists());

    // Again, the database named by PORTAL_DB: nothing left to apply.
    let latest = known.iter().max().expect("a migration");
    let (ok, stdout, stderr) =
        run(portal_server().current_dir(dir.path()).arg("migrate").env("PORTAL_DB", "p.sqlite3"));
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), format!("nothing to apply: p.sqlite3 is at migration {latest}"));
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_binary_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, _, stderr) =
        run(portal_server().current_dir(dir.path()).args(["migrate", "--db", "p.sqlite3"]));
    assert!(ok, "{stderr}");
    // What a newer portal-server would have left: a migration this one does not know.
    let db = dir.path().join("p.sqlite3");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.expect("db");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from the future', TRUE, X'00', 0)",
    )
    .execute(&pool)
    .await
    .expect("insert");
    pool.close().await;

    for args in [
        &["serve", "--demo", "--listen", "127.0.0.1:0", "--db", "p.sqlite3"][..],
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            "p.sqlite3",
            "--outbox",
            "out",
            "--keys",
            "k.json",
        ][..],
        &["migrate", "--db", "p.sqlite3"][..],
    ] {
        let (ok, stdout, stderr) = run(portal_server().current_dir(dir.path()).args(args));
        assert!(!ok && stdout.is_empty(), "{args:?}: {stdout}");
        assert!(stderr.contains("migration 99990101000000"), "{args:?}: {stderr}");
        assert!(stderr.contains("a newer portal-server has migrated this database"), "{stderr}");
        assert!(stderr.contains("restore the backup taken before the upgrade"), "{stderr}");
    }
    assert!(!dir.path().join("p.keys.json").exists(), "refused before anything else");
}

// ---- Shutdown ------------------------------------------------------------------------------

#[tokio::test]
async fn shutdown_is_bounded_by_the_request_timeout() {
    use tokio::io::AsyncWriteExt as _;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("portal.toml"),
        "[security]\nrequest_timeout = 1\nheader_timeout = 60\n",
    )
    .expect("config");
    let served = Served::start(
        portal_server()
            .current_dir(dir.path())
            .args(["--log-format", "json", "serve", "--demo", "--listen", "127.0.0.1:0"])
            .args(["--db", "p.sqlite3", "--config", "portal.toml"]),
    );
    // A client that started a request and never finishes its head: its header timeout (60 s)
    // is far beyond the drain bound (request_timeout + 1 s), so only the bound ends it.
    let addr = served.origin.trim_start_matches("http://").to_owned();
    let mut stalled = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    stalled
        .write_all(b"POST /auth/oauth2/v2.0/initiate HTTP/1.1\r\nHost: x\r\nContent-Le")
        .await
        .expect("write");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = Instant::now();
    let (status, lines) =
        tokio::task::spawn_blocking(move || served.terminate()).await.expect("join");
    assert!(status.success(), "{status:?}\n{}", lines.join("\n"));
    assert!(asked.elapsed() < Duration::from_secs(10), "{:?}", asked.elapsed());
    // The stalled request held the drain until the bound (1 s timeout + 1 s).
    let warned = lines.iter().filter_map(|l| serde_json::from_str::<Value>(l).ok()).any(|v| {
        v["level"] == "WARN" && v["message"].as_str().is_some_and(|m| m.contains("drain bound"))
    });
    assert!(warned, "{}", lines.join("\n"));
    assert!(lines.iter().any(|l| l.contains("\"portal stopped\"")), "{}", lines.join("\n"));
    drop(stalled);
}

#[tokio::test]
async fn the_binary_serves_a_postgresql_database_and_never_prints_its_password() {
    let Some(server) = common::postgres_server() else {
        eprintln!("PostgreSQL only (CARTABLE_TEST_POSTGRES unset): skipped on SQLite");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let db::Location::Postgres(mut url) = common::database_for(dir.path()).await else {
        panic!("PostgreSQL")
    };
    // The test cluster trusts its role: any password is accepted, and must never be shown.
    url.set_username(server.username()).expect("user");
    url.set_password(Some("s3cret-never-shown")).expect("password");
    let (ok, stdout, stderr) =
        run(portal_server().current_dir(dir.path()).arg("migrate").env("PORTAL_DB", url.as_str()));
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("applied migration 1 (identity)"), "{stdout}");
    // No key file "beside" a PostgreSQL database: demo mode too is given one.
    let (ok, _, stderr) =
        run(portal_server().current_dir(dir.path()).args(["keys", "init", "--keys", "k.json"]));
    assert!(ok, "{stderr}");
    let served = Served::start(
        portal_server()
            .current_dir(dir.path())
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--log-format", "json"])
            .args(["--keys", "k.json"])
            .env("PORTAL_DB", url.as_str()),
    );
    let line = served.log_line("portal serving");
    let shown = line["database"].as_str().expect("database").to_owned();
    assert!(shown.starts_with("postgres://") && shown.contains("********"), "{shown}");
    let remote = Remote::new(served.origin.clone(), Some(dir.path().join("outbox")));
    sign_up_in_and_refresh(&remote, "pg@exemple.ca").await;
    let (ok, again, _) =
        run(portal_server().current_dir(dir.path()).arg("migrate").env("PORTAL_DB", url.as_str()));
    assert!(ok && again.starts_with("nothing to apply: postgres://"), "{again}");
    let logs = served.stop();
    for text in [&stdout, &stderr, &again, &logs] {
        assert!(!text.contains("s3cret-never-shown"), "{text}");
    }
}

#[test]
fn a_database_url_that_does_not_parse_is_refused_without_repeating_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    for url in [
        "postgres://portal:se:cr/et@db.example/portal",
        "postgres://portal@db.example/portal?passwrod=se-cr-et",
    ] {
        for command in [&["migrate"][..], &["migrate", "--db", url][..]] {
            let (ok, stdout, stderr) =
                run(portal_server().current_dir(dir.path()).args(command).env("PORTAL_DB", url));
            assert!(!ok, "{stdout}");
            assert!(stderr.contains("--db: the PostgreSQL URL"), "{stderr}");
            assert!(!stderr.contains("se:cr") && !stderr.contains("se-cr-et"), "{stderr}");
        }
    }
    let (ok, _, stderr) =
        run(portal_server().current_dir(dir.path()).args(["migrate", "--db-max-connections", "0"]));
    assert!(!ok && stderr.contains("--db-max-connections"), "{stderr}");
}
