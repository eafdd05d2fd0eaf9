//! The parent API and the school registry (`docs/contract.md` §§6–7), against the real server
//! on `127.0.0.1:0` over a temporary SQLite file in demo mode (the fixture of
//! `fixtures/demo_registry.jsonl` is loaded), with a [`ManualClock`].
//!
//! Parents are inserted through the pool with verified emails and get tokens from
//! `issue_tokens` (the sign-up flow is the identity routes' business); everything the parent
//! API answers goes over HTTP. A tracing subscriber captures every log line of the process so
//! the privacy rule (no child data in logs) is checked on what really was logged.

use std::{
    io::Write,
    sync::{Arc, Mutex, Once},
};

use cartable_core::BoardId;
use cartable_core::wire::parent::{
    Child, DossierSection, Me, PrivateSchool, ProblemCode, ProblemDetails, SchoolBoardEntry,
    SectionId,
};
use portal_server::{
    AppState,
    clock::{Clock as _, ManualClock},
    config::Config,
    db,
    registry::{
        self,
        import::{ImportError, import_str},
    },
    tokens::{TokenError, issue_tokens, refresh_grant},
};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

// ---------------------------------------------------------------------------------------------
// Harness

/// Every log line written by the process, for the privacy checks.
static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// What has been logged so far, as text.
fn logged() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
        .into_owned()
}

/// Installs (once) a subscriber that writes every event, at every level, to [`LOGS`].
fn capture_logs() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        struct Sink;
        impl Write for Sink {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                LOGS.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| Sink)
            .try_init();
    });
}

struct Portal {
    base: String,
    state: AppState,
    clock: ManualClock,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

struct Parent {
    id: String,
    access: String,
    refresh: String,
}

struct Answer {
    status: StatusCode,
    headers: header::HeaderMap,
    body: Value,
}

impl Answer {
    fn problem(&self) -> ProblemDetails {
        assert_eq!(
            self.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "problem content type, body {}",
            self.body
        );
        serde_json::from_value(self.body.clone()).expect("problem details")
    }

    fn child(&self) -> Child {
        serde_json::from_value(self.body.clone()).expect("child")
    }
}

impl Portal {
    async fn start() -> Self {
        capture_logs();
        let dir = tempfile::tempdir().expect("temp dir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let config = Config::demo_for(
            &listener,
            dir.path().join("portal.sqlite3"),
            dir.path().join("outbox"),
        )
        .expect("config");
        let clock = ManualClock::new(OffsetDateTime::now_utc());
        let state = AppState::open(config, Arc::new(clock.clone())).await.expect("open");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(portal_server::serve(listener, state.clone()));
        Self { base, state, clock, http: reqwest::Client::new(), _dir: dir }
    }

    /// A parent whose emails are all verified (the first is the sign-in email).
    async fn parent(&self, emails: &[&str]) -> Parent {
        let id = uuid::Uuid::new_v4().to_string();
        let now = self.state.now();
        db::on!(self.state.db, |c| sqlx::query(
            "INSERT INTO accounts (id, email, password_hash, created_at) VALUES ($1, $2, 'x', $3)",
        )
        .bind(&id)
        .bind(emails[0])
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
        .expect("account");
        for email in emails {
            self.add_email(&id, email, true).await;
        }
        let tokens = issue_tokens(&self.state, &id, "cartable", "openid offline_access", None)
            .await
            .expect("tokens");
        Parent {
            id,
            access: tokens.access_token.expose().to_owned(),
            refresh: tokens.refresh_token.expose().to_owned(),
        }
    }

    async fn add_email(&self, account: &str, email: &str, verified: bool) {
        db::on!(self.state.db, |c| sqlx::query(
            "INSERT INTO account_emails (account_id, address, verified, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(account)
        .bind(email)
        .bind(verified)
        .bind(self.state.now())
        .execute(c)
        .await.map(|r| r.rows_affected()))
        .expect("email");
    }

    /// Fresh tokens for `parent` (after the clock moved past the access token's lifetime).
    async fn reissue(&self, parent: &mut Parent) {
        let tokens =
            issue_tokens(&self.state, &parent.id, "cartable", "openid offline_access", None)
                .await
                .expect("tokens");
        parent.access = tokens.access_token.expose().to_owned();
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("JSON body")
        };
        Answer { status, headers, body }
    }

    async fn associate(&self, parent: &Parent, body: Value) -> Answer {
        self.call(Method::POST, "/api/v1/children", Some(&parent.access), Some(body)).await
    }

    async fn children(&self, parent: &Parent) -> Vec<Child> {
        let answer = self.call(Method::GET, "/api/v1/children", Some(&parent.access), None).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        serde_json::from_value(answer.body).expect("children")
    }
}

/// Éloïse Lévesque-Côté of the fixture, by numéro de fiche.
fn eloise() -> Value {
    json!({
        "method": "identity", "board_id": "css-laval", "last_name": "Lévesque-Côté",
        "first_name": "Éloïse", "birth_date": "2016-02-29", "student_number": "0123456",
        "email": "famille.levesque-cote@example.com"
    })
}

// ---------------------------------------------------------------------------------------------
// Association

#[tokio::test]
async fn associates_by_student_number_and_lists_the_child() {
    let portal = Portal::start().await;
    let parent = portal.parent(&["famille.levesque-cote@example.com"]).await;
    let answer = portal.associate(&parent, eloise()).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let child = answer.child();
    assert_eq!((child.first_name.as_str(), child.last_name.as_str()), ("Éloïse", "Lévesque-Côté"));
    assert_eq!(child.birth_date, "2016-02-29");
    assert_eq!(child.board_id, Some("css-laval".into()));
    assert_eq!(child.private_school_id, None);
    assert_eq!(
        (child.school.code.as_str(), child.school.name.as_str()),
        ("071001", "École des Érables")
    );
    assert_eq!(child.grade, "5e année");
    assert_eq!(child.associated_at, portal.clock.now().replace_nanosecond(0).expect("ns"));
    assert_eq!(portal.children(&parent).await, vec![child.clone()]);

    // The dossier: the sections the fixture publishes, in the contract's order, with counts.
    let dossier = portal
        .call(
            Method::GET,
            &format!("/api/v1/children/{}/dossier", child.id),
            Some(&parent.access),
            None,
        )
        .await;
    assert_eq!(dossier.status, 200);
    let sections: Vec<DossierSection> = serde_json::from_value(dossier.body).expect("sections");
    let ids: Vec<&SectionId> = sections.iter().map(|s| &s.id).collect();
    assert_eq!(ids, SectionId::KNOWN.iter().collect::<Vec<_>>());
    assert_eq!((sections[1].title_fr.as_str(), sections[1].count), ("Devoirs et leçons", 7));

    // The second guardian, with another email, associates the same child too.
    let other_guardian = portal.parent(&["marc.cote@example.net"]).await;
    let mut body = eloise();
    body["email"] = json!("Marc.Cote@EXAMPLE.net");
    assert_eq!(portal.associate(&other_guardian, body).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn associates_by_permanent_code_typed_with_spaces_and_lowercase_siblings_in_two_boards() {
    let portal = Portal::start().await;
    let parent = portal.parent(&["famille.oneil@example.com"]).await;
    let chloe = json!({
        "method": "identity", "board_id": "css-marguerite-bourgeoys", "last_name": "O'Neil",
        "first_name": "Chloé", "birth_date": "2012-12-03", "permanent_code": "onec 0362 1203",
        "email": "famille.oneil@example.com"
    });
    let answer = portal.associate(&parent, chloe).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    portal.clock.advance(Duration::seconds(1));
    let noah = json!({
        "method": "identity", "board_id": "sb-english-montreal", "last_name": "O’Neil",
        "first_name": "Noah", "birth_date": "2015-09-08", "student_number": "381 2047",
        "email": "famille.oneil@example.com"
    });
    assert_eq!(portal.associate(&parent, noah).await.status, StatusCode::CREATED);
    let boards: Vec<Option<BoardId>> =
        portal.children(&parent).await.into_iter().map(|c| c.board_id).collect();
    assert_eq!(
        boards,
        [Some("css-marguerite-bourgeoys".into()), Some("sb-english-montreal".into())]
    );
}

#[tokio::test]
async fn associates_by_nip_once_only() {
    let portal = Portal::start().await;
    let parent = portal.parent(&["someone@example.org"]).await;
    let felix = json!({"method": "nip", "board_id": "css-laval", "nip": "k7qm 4rtx", "birth_date": "2017-10-30"});
    let answer = portal.associate(&parent, felix.clone()).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(answer.child().first_name, "Félix");

    // Used up: refused the second time, for the same parent and for another.
    let again = portal.associate(&parent, felix.clone()).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.problem().code, ProblemCode::NoMatchingRecord);
    let other = portal.parent(&["other@example.org"]).await;
    assert_eq!(portal.associate(&other, felix).await.problem().code, ProblemCode::NoMatchingRecord);

    // A NIP on a private school's record, with the wrong birth date, then the right one.
    let elodie = |birth: &str| json!({"method": "nip", "private_school_id": "ps-college-des-eaux-vives", "nip": "B9WX-3FHN", "birth_date": birth});
    assert_eq!(
        portal.associate(&other, elodie("2018-12-25")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let answer = portal.associate(&other, elodie("2018-12-24")).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(answer.child().private_school_id, Some("ps-college-des-eaux-vives".into()));
}

#[tokio::test]
async fn an_expired_nip_matches_nothing() {
    let portal = Portal::start().await;
    // The fixture's NIPs expire at the end of 2030-06-30 (UTC).
    let expiry = time::macros::datetime!(2030-06-30 23:59:59 UTC);
    portal.clock.advance(expiry - portal.clock.now() + Duration::seconds(1));
    let parent = portal.parent(&["someone@example.org"]).await;
    let felix = json!({"method": "nip", "board_id": "css-laval", "nip": "K7QM4RTX", "birth_date": "2017-10-30"});
    let answer = portal.associate(&parent, felix).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    assert_eq!(answer.problem().code, ProblemCode::NoMatchingRecord);
}

#[tokio::test]
async fn associates_a_private_school_child_and_twice_is_idempotent() {
    let portal = Portal::start().await;
    let parent = portal.parent(&["zoe.parents@example.org"]).await;
    let zoe = json!({
        "method": "private_school", "private_school_id": "ps-college-des-eaux-vives",
        "last_name": "D’Amours", "first_name": "Zoé", "birth_date": "2014-04-17",
        "student_number": "0045821", "email": "zoe.parents@example.org"
    });
    let first = portal.associate(&parent, zoe.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let child = first.child();
    assert_eq!(
        (child.board_id, child.private_school_id),
        (None, Some("ps-college-des-eaux-vives".into()))
    );

    portal.clock.advance(Duration::minutes(5));
    let second = portal.associate(&parent, zoe).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.child(), first.child(), "same child, original association time");
    assert_eq!(portal.children(&parent).await.len(), 1);
}

#[tokio::test]
async fn every_single_field_mismatch_gets_the_same_answer() {
    let portal = Portal::start().await;
    let parent =
        portal.parent(&["famille.levesque-cote@example.com", "autre.adresse@example.com"]).await;
    let mismatches: [(&str, Value); 6] = [
        ("board_id", json!("css-montreal")),
        ("last_name", json!("Lévesque-Côte-Roy")),
        ("first_name", json!("Éloïsa")),
        ("birth_date", json!("2016-03-01")),
        ("student_number", json!("0123457")),
        ("email", json!("autre.adresse@example.com")),
    ];
    let mut bodies = Vec::new();
    for (field, value) in mismatches {
        let mut body = eloise();
        body[field] = value;
        let answer = portal.associate(&parent, body).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", answer.body);
        assert_eq!(answer.problem().code, ProblemCode::NoMatchingRecord);
        assert!(answer.problem().errors.is_empty(), "never says which field differed");
        bodies.push(answer.body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "identical bodies: {bodies:?}");
    assert!(portal.children(&parent).await.is_empty());
}

#[tokio::test]
async fn names_match_across_accents_case_apostrophes_and_hyphens() {
    let portal = Portal::start().await;
    let parent = portal
        .parent(&[
            "famille.levesque-cote@example.com",
            "famille.oneil@example.com",
            "parent.demo@example.com",
        ])
        .await;
    let mut eloise = eloise();
    eloise["last_name"] = json!("LEVESQUE COTE");
    eloise["first_name"] = json!("eloise");
    let chloe = json!({
        "method": "identity", "board_id": "css-marguerite-bourgeoys", "last_name": "o'neil",
        "first_name": "CHLOE", "birth_date": "2012-12-03", "student_number": "7630451",
        "email": "famille.oneil@example.com"
    });
    let mathis = json!({
        "method": "identity", "board_id": "css-region-de-sherbrooke", "last_name": "Beaulieu-Lajoie",
        "first_name": "Mathis", "birth_date": "2010-07-21", "permanent_code": "BEAM21071001",
        "email": "parent.demo@example.com"
    });
    for body in [eloise, chloe, mathis] {
        let answer = portal.associate(&parent, body).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }
    assert_eq!(portal.children(&parent).await.len(), 3);
}

#[tokio::test]
async fn unverified_email_is_forbidden_and_unsubscribed_board_refused() {
    let portal = Portal::start().await;
    let parent = portal.parent(&["someone@example.org"]).await;
    portal.add_email(&parent.id, "famille.levesque-cote@example.com", false).await;
    let answer = portal.associate(&parent, eloise()).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.problem().code, ProblemCode::EmailNotVerified);

    let demo = portal.parent(&["parent.demo@example.com"]).await;
    let olivier = json!({
        "method": "identity", "board_id": "css-iles", "last_name": "Roy", "first_name": "Olivier",
        "birth_date": "2014-08-12", "student_number": "7120033", "email": "parent.demo@example.com"
    });
    let answer = portal.associate(&demo, olivier).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.problem().code, ProblemCode::BoardNotSubscribed);
}

#[tokio::test]
async fn the_eleventh_no_match_in_24_hours_is_refused_and_a_400_does_not_count() {
    let portal = Portal::start().await;
    let mut parent = portal.parent(&["famille.levesque-cote@example.com"]).await;
    let mut wrong = eloise();
    wrong["student_number"] = json!("7654321");
    for attempt in 1..=9 {
        let answer = portal.associate(&parent, wrong.clone()).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {attempt}");
        portal.clock.advance(Duration::minutes(1));
    }
    let mut malformed = eloise();
    malformed["birth_date"] = json!("29/02/2016");
    let answer = portal.associate(&parent, malformed).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let problem = answer.problem();
    assert_eq!(problem.code, ProblemCode::InvalidFields);
    assert_eq!(
        (problem.errors[0].field.as_str(), problem.errors[0].code.as_str()),
        ("birth_date", "birth_date_bad_format")
    );

    let tenth = portal.associate(&parent, wrong.clone()).await;
    assert_eq!(tenth.status, StatusCode::UNPROCESSABLE_ENTITY, "the 10th is still answered");

    // The 11th is not evaluated, even though it would match.
    let answer = portal.associate(&parent, eloise()).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answer.problem().code, ProblemCode::TooManyAttempts);
    let retry_after: i64 =
        answer.headers[header::RETRY_AFTER].to_str().expect("ascii").parse().expect("seconds");
    // The first failure was 9 minutes ago: the window frees 24 h after it.
    assert_eq!(retry_after, 24 * 3600 - 9 * 60);

    // Once the first failure leaves the window, the parent may try again.
    portal.clock.advance(Duration::seconds(retry_after));
    portal.reissue(&mut parent).await;
    let answer = portal.associate(&parent, eloise()).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
}

// ---------------------------------------------------------------------------------------------
// Removal, other parents, account deletion

#[tokio::test]
async fn removal_then_404_and_other_parents_see_nothing() {
    let portal = Portal::start().await;
    let parent = portal.parent(&["famille.levesque-cote@example.com"]).await;
    let child = portal.associate(&parent, eloise()).await.child();
    let stranger = portal.parent(&["stranger@example.org"]).await;

    assert!(portal.children(&stranger).await.is_empty());
    let child_path = format!("/api/v1/children/{}", child.id);
    let dossier_path = format!("{child_path}/dossier");
    for (method, path) in [(Method::GET, &dossier_path), (Method::DELETE, &child_path)] {
        let answer = portal.call(method, path, Some(&stranger.access), None).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        assert_eq!(answer.problem().code, ProblemCode::ChildNotFound);
    }
    assert_eq!(portal.children(&parent).await.len(), 1, "the stranger removed nothing");

    let removed = portal.call(Method::DELETE, &child_path, Some(&parent.access), None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert!(portal.children(&parent).await.is_empty());
    for (method, path) in [(Method::DELETE, &child_path), (Method::GET, &dossier_path)] {
        let answer = portal.call(method, path, Some(&parent.access), None).await;
        assert_eq!(answer.problem().code, ProblemCode::ChildNotFound);
    }
}

#[tokio::test]
async fn delete_me_removes_account_associations_and_tokens() {
    let portal = Portal::start().await;
    let parent = portal.parent(&["famille.levesque-cote@example.com"]).await;
    portal.associate(&parent, eloise()).await.child();
    let mut wrong = eloise();
    wrong["student_number"] = json!("7654321");
    assert_eq!(portal.associate(&parent, wrong).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let me = portal.call(Method::GET, "/api/v1/me", Some(&parent.access), None).await;
    assert_eq!(me.status, 200);
    let me: Me = serde_json::from_value(me.body).expect("me");
    assert_eq!(me.id, parent.id);
    assert_eq!(me.email.as_deref(), Some("famille.levesque-cote@example.com"));
    assert_eq!(me.providers, ["local"]);
    assert!(me.emails.iter().all(|e| e.verified));

    let deleted = portal.call(Method::DELETE, "/api/v1/me", Some(&parent.access), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    let after = portal.call(Method::GET, "/api/v1/me", Some(&parent.access), None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert!(matches!(
        refresh_grant(&portal.state, "cartable", &parent.refresh, None).await,
        Err(TokenError::InvalidGrant(_))
    ));
    for table in [
        "accounts WHERE id",
        "account_emails WHERE account_id",
        "child_associations WHERE account_id",
        "limit_events WHERE subject",
    ] {
        let count: i64 = db::on!(portal.state.db, |c| sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {table} = $1"
        ))
        .bind(&parent.id)
        .fetch_one(c)
        .await)
        .expect("count");
        assert_eq!(count, 0, "{table}");
    }
    assert_eq!(registry::student_count(&portal.state.db).await.expect("count"), 13, "records stay");
}

/// An access token verified once is remembered until its `exp` (src/tokens/verified.rs): the
/// memory never lets it live longer, and never spares the account's lookup.
#[tokio::test]
async fn a_remembered_token_is_refused_at_its_exp_and_once_its_account_is_gone() {
    let portal = Portal::start().await;
    let mut parent = portal.parent(&["famille.levesque-cote@example.com"]).await;
    portal.associate(&parent, eloise()).await.child();
    assert_eq!(portal.children(&parent).await.len(), 1);
    assert_eq!(portal.state.verified_tokens.len(), 1, "verified in full, then remembered");

    // 900 s lifetime: still accepted 1 s before its exp (from memory), refused at it.
    portal.clock.advance(Duration::seconds(899));
    assert_eq!(portal.children(&parent).await.len(), 1);
    portal.clock.advance(Duration::seconds(1));
    for path in ["/api/v1/children", "/api/v1/me"] {
        let answer = portal.call(Method::GET, path, Some(&parent.access), None).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(answer.problem().detail.as_deref(), Some("access token expired"), "{path}");
    }

    // A fresh token, remembered; the account deleted behind this instance's back (by another
    // instance, or an operator): every route refuses the token at once.
    portal.reissue(&mut parent).await;
    assert_eq!(portal.children(&parent).await.len(), 1);
    let me = portal.call(Method::GET, "/api/v1/me", Some(&parent.access), None).await;
    assert_eq!(me.status, 200);
    db::on!(portal.state.db, |c| sqlx::query("DELETE FROM accounts WHERE id = $1")
        .bind(&parent.id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .expect("delete");
    for path in ["/api/v1/children", "/api/v1/me", "/api/v1/children/x/dossier"] {
        let answer = portal.call(Method::GET, path, Some(&parent.access), None).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        let problem = answer.problem();
        assert_eq!(problem.code, ProblemCode::InvalidToken, "{path}");
        assert_eq!(problem.detail.as_deref(), Some("account no longer exists"), "{path}");
    }
}

/// A parent without children gets `[]` from the one query that also finds the account.
#[tokio::test]
async fn a_parent_without_children_lists_none() {
    let portal = Portal::start().await;
    let parent = portal.parent(&["personne@example.com"]).await;
    assert_eq!(portal.children(&parent).await, Vec::<Child>::new());
}

// ---------------------------------------------------------------------------------------------
// Tokens, bodies, lists

#[tokio::test]
async fn protected_routes_answer_401_with_a_bearer_challenge() {
    let portal = Portal::start().await;
    let routes = [
        (Method::GET, "/api/v1/me"),
        (Method::DELETE, "/api/v1/me"),
        (Method::GET, "/api/v1/children"),
        (Method::POST, "/api/v1/children"),
        (Method::DELETE, "/api/v1/children/x"),
        (Method::GET, "/api/v1/children/x/dossier"),
    ];
    for (method, path) in routes {
        for token in [None, Some("not-a-token")] {
            let answer = portal.call(method.clone(), path, token, Some(eloise())).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {path}");
            assert_eq!(answer.headers[header::WWW_AUTHENTICATE], "Bearer error=\"invalid_token\"");
            assert_eq!(answer.problem().code, ProblemCode::InvalidToken);
        }
    }
}

#[tokio::test]
async fn malformed_bodies_are_problems_never_500() {
    let portal = Portal::start().await;
    let parent = portal.parent(&["famille.levesque-cote@example.com"]).await;

    let mut unknown = eloise();
    unknown["nickname"] = json!("Lolo");
    let answer = portal.associate(&parent, unknown).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let problem = answer.problem();
    assert_eq!(problem.code, ProblemCode::InvalidBody);
    assert!(problem.detail.as_deref().is_some_and(|d| d.contains("nickname")), "{problem:?}");

    let not_json = portal
        .http
        .post(format!("{}/api/v1/children", portal.base))
        .bearer_auth(&parent.access)
        .header(header::CONTENT_TYPE, "application/json")
        .body("{\"method\": ")
        .send()
        .await
        .expect("send");
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);

    let several = json!({
        "method": "identity", "board_id": "css-nowhere", "last_name": "L3vesque", "first_name": "",
        "birth_date": "2015-02-29", "student_number": "12345678", "permanent_code": "X",
        "email": "pas-un-courriel"
    });
    let problem = portal.associate(&parent, several).await.problem();
    assert_eq!(problem.status, 400);
    let errors: Vec<(String, String)> =
        problem.errors.into_iter().map(|e| (e.field, e.code)).collect();
    for expected in [
        ("board_id", "unknown_board"),
        ("last_name", "name_digit"),
        ("first_name", "name_empty"),
        ("birth_date", "birth_date_no_such_day"),
        ("student_number", "exactly_one_required"),
        ("email", "email_missing_at"),
    ] {
        assert!(
            errors.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} in {errors:?}"
        );
    }
    // Over the 16 KiB limit: refused before any handler runs, still as problem details.
    let huge = portal
        .http
        .post(format!("{}/api/v1/children", portal.base))
        .bearer_auth(&parent.access)
        .header(header::CONTENT_TYPE, "application/json")
        .body(vec![b' '; 20 * 1024])
        .send()
        .await
        .expect("send");
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(huge.headers()[header::CONTENT_TYPE], "application/problem+json");
    let problem: Value = huge.json().await.expect("problem json");
    assert_eq!(problem["code"], "payload_too_large", "{problem}");
    assert_eq!(problem["status"], 413);

    let nip = json!({"method": "nip", "board_id": "css-laval", "nip": "O0I1O0I1", "birth_date": "2017-10-30"});
    let problem = portal.associate(&parent, nip).await.problem();
    assert_eq!(problem.errors[0].field, "nip");
    assert_eq!(problem.errors[0].code, "nip_invalid_character");
}

#[tokio::test]
async fn lists_boards_with_cache_validators_and_private_schools() {
    let portal = Portal::start().await;
    let answer = portal.call(Method::GET, "/api/v1/school-boards", None, None).await;
    assert_eq!(answer.status, 200);
    let boards: Vec<SchoolBoardEntry> = serde_json::from_value(answer.body).expect("boards");
    assert_eq!(boards.len(), 72);
    let unsubscribed: Vec<&str> =
        boards.iter().filter(|b| !b.subscribed).map(|b| b.id.as_str()).collect();
    assert_eq!(unsubscribed, ["css-iles"]);
    assert!(answer.headers[header::CACHE_CONTROL].to_str().expect("ascii").contains("max-age"));
    let etag = answer.headers[header::ETAG].clone();

    let cached = portal
        .http
        .get(format!("{}/api/v1/school-boards", portal.base))
        .header(header::IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .expect("send");
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(cached.headers()[header::ETAG], etag);

    // An import changing a subscription changes the tag.
    import_str(
        &portal.state.db,
        &portal.state.hash_key,
        r#"{"kind": "board", "id": "css-laval", "subscribed": false}"#,
        portal.clock.now(),
    )
    .await
    .expect("import");
    let changed = portal
        .http
        .get(format!("{}/api/v1/school-boards", portal.base))
        .header(header::IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .expect("send");
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()[header::ETAG], etag);

    let schools = portal.call(Method::GET, "/api/v1/private-schools", None, None).await;
    let schools: Vec<PrivateSchool> = serde_json::from_value(schools.body).expect("schools");
    assert_eq!(
        schools.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["ps-academie-des-pionniers", "ps-college-des-eaux-vives"]
    );
}

// ---------------------------------------------------------------------------------------------
// Registry import, fixture, OpenAPI, privacy

#[tokio::test]
async fn an_import_with_one_bad_row_imports_nothing_and_names_the_line() {
    let portal = Portal::start().await;
    let before = registry::student_count(&portal.state.db).await.expect("count");
    let file = [
        "# two new students, the second with an impossible birth date",
        r#"{"kind": "student", "board_id": "css-laval", "school": {"code": "071001", "name": "École des Érables"}, "student_number": "0999999", "last_name": "Ouellet", "first_name": "Rose", "birth_date": "2015-06-01", "grade": "6e année", "guardian_emails": ["rose.parent@example.com"]}"#,
        r#"{"kind": "student", "board_id": "css-laval", "school": {"code": "071001", "name": "École des Érables"}, "student_number": "0999998", "last_name": "Ouellet", "first_name": "Lily", "birth_date": "2015-02-29", "grade": "6e année", "guardian_emails": ["rose.parent@example.com"]}"#,
        r#"{"kind": "private_school", "id": "ps-nouvelle", "name": "École Nouvelle", "subscribed": true}"#,
    ]
    .join("\n");
    let error = import_str(&portal.state.db, &portal.state.hash_key, &file, portal.clock.now())
        .await
        .expect_err("bad row");
    let ImportError::BadRows(rows) = &error else { panic!("{error}") };
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].line, rows[0].field.as_deref(), rows[0].code.as_str()),
        (3, Some("birth_date"), "birth_date_no_such_day")
    );
    assert!(error.to_string().contains("line 3: birth_date: birth_date_no_such_day"), "{error}");
    assert!(!error.to_string().contains("Lily"), "the report holds no child data");
    assert_eq!(registry::student_count(&portal.state.db).await.expect("count"), before);
    assert_eq!(registry::private_schools(&portal.state.db).await.expect("schools").len(), 2);

    // Fixed, the same file imports; a duplicate of a fixture child and bad JSON are named too.
    let fixed = file.replace("2015-02-29", "2015-02-28");
    let report = import_str(&portal.state.db, &portal.state.hash_key, &fixed, portal.clock.now())
        .await
        .expect("import");
    assert_eq!((report.students, report.private_schools), (2, 1));
    let again = [r#"{"kind": "student", "board_id": "css-laval", "school": {"code": "1", "name": "É"}, "student_number": "0123456", "last_name": "A", "first_name": "B", "birth_date": "2015-01-01", "grade": "1re année"}"#, "{not json"].join("\n");
    let Err(ImportError::BadRows(rows)) =
        import_str(&portal.state.db, &portal.state.hash_key, &again, portal.clock.now()).await
    else {
        panic!("expected bad rows")
    };
    let found: Vec<(usize, &str)> = rows.iter().map(|r| (r.line, r.code.as_str())).collect();
    assert_eq!(found, [(1, "already_in_registry"), (2, "invalid_json")]);

    // A NIP the registry already holds (a fixture child's, written differently) is named by
    // line, after every other check, and nothing is written.
    let before = registry::student_count(&portal.state.db).await.expect("count");
    let nip = [
        r#"{"kind": "student", "board_id": "css-laval", "school": {"code": "1", "name": "É"}, "student_number": "0999990", "last_name": "A", "first_name": "B", "birth_date": "2015-01-01", "grade": "1re année"}"#,
        r#"{"kind": "student", "board_id": "css-laval", "school": {"code": "1", "name": "É"}, "student_number": "0999991", "last_name": "A", "first_name": "C", "birth_date": "2015-01-01", "grade": "1re année", "nip": {"value": "k7qm 4rtx", "expires_at": "2031-06-30T23:59:59Z"}}"#,
    ]
    .join("\n");
    let Err(ImportError::BadRows(rows)) =
        import_str(&portal.state.db, &portal.state.hash_key, &nip, portal.clock.now()).await
    else {
        panic!("expected bad rows")
    };
    let found: Vec<(usize, Option<&str>, &str)> =
        rows.iter().map(|r| (r.line, r.field.as_deref(), r.code.as_str())).collect();
    assert_eq!(found, [(2, Some("nip.value"), "already_in_registry")]);
    assert_eq!(registry::student_count(&portal.state.db).await.expect("count"), before);
}

#[tokio::test]
async fn the_demo_fixture_meets_its_brief_and_loads_once() {
    let portal = Portal::start().await;
    let db = &portal.state.db;
    assert_eq!(registry::student_count(db).await.expect("count"), 13);
    let boards: Vec<String> = db::on!(db, |c| sqlx::query_scalar(
        "SELECT DISTINCT board_id FROM students WHERE board_id IS NOT NULL"
    )
    .fetch_all(c)
    .await)
    .expect("boards");
    assert!(boards.len() >= 4 && boards.iter().any(|b| b.starts_with("sb-")), "{boards:?}");
    let leap: i64 = db::on!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM students WHERE birth_date LIKE '%-02-29'"
    )
    .fetch_one(c)
    .await)
    .expect("leap");
    assert_eq!(leap, 1);
    let nip_only: i64 = db::on!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM students s WHERE nip_hash IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM student_guardians g WHERE g.student_id = s.id)",
    )
    .fetch_one(c)
    .await)
    .expect("nip only");
    assert_eq!(nip_only, 1);
    let shared_across_boards: i64 = db::on!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT g.email FROM student_guardians g JOIN students s ON s.id = g.student_id \
         GROUP BY g.email HAVING COUNT(DISTINCT s.board_id) >= 2)",
    )
    .fetch_one(c)
    .await)
    .expect("siblings");
    assert!(shared_across_boards >= 1);

    // Loading again on an already filled registry does nothing.
    assert!(registry::fixture::load_if_empty(&portal.state).await.expect("load").is_none());
    assert_eq!(registry::student_count(db).await.expect("count"), 13);
}

/// The served document is the one the router collects (`portal_server::http::parent::openapi`),
/// it is well formed, and it matches what is served: every documented operation answers (401
/// problem details without a token when it declares `bearer`, 200 when it declares no security),
/// and a method it does not document on one of its paths is not served (405). The route list is
/// the router's; this test keeps none.
#[tokio::test]
async fn openapi_document_is_valid_and_matches_the_routes() {
    let portal = Portal::start().await;
    let answer = portal.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(answer.status, 200);
    assert!(answer.body["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")));
    let generated = serde_json::to_value(portal_server::http::parent::openapi()).expect("JSON");
    assert_eq!(answer.body, generated, "the served document is the router's");
    let document: utoipa::openapi::OpenApi =
        serde_json::from_value(answer.body.clone()).expect("an OpenAPI document");

    let (mut with_token, mut without_token) = (0, 0);
    for (path, item) in &document.paths.paths {
        // A syntactically valid id no account has: enough to reach the handler's extractors.
        let url = path.replace("{id}", "no-such-child");
        for (method, operation) in [
            (Method::GET, &item.get),
            (Method::POST, &item.post),
            (Method::DELETE, &item.delete),
            (Method::PUT, &item.put),
            (Method::PATCH, &item.patch),
        ] {
            let served = portal.call(method.clone(), &url, None, None).await;
            let Some(operation) = operation else {
                assert_eq!(served.status, 405, "{method} {path} is served but not documented");
                continue;
            };
            assert!(!operation.responses.responses.is_empty(), "{method} {path} has responses");
            let needs_token = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            if needs_token {
                with_token += 1;
                assert_eq!(served.status, 401, "{method} {path} without a token");
                assert_eq!(served.problem().code, ProblemCode::InvalidToken);
                assert!(operation.responses.responses.contains_key("401"), "{method} {path}");
            } else {
                without_token += 1;
                assert_eq!(served.status, 200, "{method} {path} without a token");
            }
        }
    }
    assert!(with_token > 0 && without_token > 0, "{with_token} and {without_token} operations");

    // The router documents exactly the parent API docs/contract.md §6 names (`METHOD /api/v1/…`
    // in backquotes): dropping a route from the router cannot pass unnoticed.
    let mut documented: Vec<String> = document
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            [("GET", &item.get), ("POST", &item.post), ("DELETE", &item.delete)]
                .into_iter()
                .chain([("PUT", &item.put), ("PATCH", &item.patch)])
                .filter(|(_, operation)| operation.is_some())
                .map(move |(method, _)| format!("{method} {path}"))
        })
        .collect();
    documented.sort();
    let mut contract: Vec<String> = include_str!("../../../docs/contract.md")
        // Every piece between backquotes (code fences shift the pairing, so all pieces are
        // read; prose never starts with a method and a path).
        .split('`')
        .filter_map(|quoted| {
            let (method, rest) = quoted.split_once(' ')?;
            let path = rest.split(' ').next()?;
            (["GET", "POST", "DELETE", "PUT", "PATCH"].contains(&method)
                && path.starts_with("/api/v1/"))
            .then(|| format!("{method} {path}"))
        })
        .collect();
    contract.sort();
    contract.dedup();
    assert_eq!(documented, contract, "the routes of docs/contract.md §6");

    // Every schema reference resolves.
    let text = answer.body.to_string();
    let schemas = &answer.body["components"]["schemas"];
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().expect("name");
        assert!(schemas.get(name).is_some(), "unresolved schema {name}");
    }
    assert!(answer.body["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn no_child_data_in_any_log_line() {
    let portal = Portal::start().await;
    let parent = portal.parent(&["famille.levesque-cote@example.com"]).await;
    let child = portal.associate(&parent, eloise()).await.child();
    let mut wrong = eloise();
    wrong["first_name"] = json!("Éloïsa");
    portal.associate(&parent, wrong).await;
    let nip = json!({"method": "nip", "board_id": "css-laval", "nip": "K7QM4RTX", "birth_date": "2017-10-30"});
    portal.associate(&parent, nip).await;
    portal
        .call(
            Method::GET,
            &format!("/api/v1/children/{}/dossier", child.id),
            Some(&parent.access),
            None,
        )
        .await;
    portal
        .call(Method::DELETE, &format!("/api/v1/children/{}", child.id), Some(&parent.access), None)
        .await;

    let logged = logged();
    assert!(logged.contains("child associated"), "the subscriber captured the handlers' lines");
    for secret in [
        "Éloïse",
        "Éloïsa",
        "Lévesque",
        "levesque",
        "2016-02-29",
        "0123456",
        "LEVE29521601",
        "K7QM4RTX",
        "K7QM-4RTX",
        "2017-10-30",
        "Félix",
        "famille.levesque-cote@example.com",
    ] {
        assert!(!logged.contains(secret), "{secret:?} was logged");
    }
}
