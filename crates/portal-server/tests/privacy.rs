//! Privacy and retention (`docs/contract.md §6` "Privacy", Québec's Law 25), against the real
//! server over a real SQLite file: `DELETE /api/v1/me` leaves no row holding the account's
//! emails, and the periodic purge removes what expired.

mod common;

use common::{PASSWORD, TestPortal};
use portal_server::{db, maintenance};
use serde_json::json;
use sqlx::Row as _;
use time::Duration;

/// Every text value of every table that contains `needle` (case-insensitive), as
/// `table: value`.
async fn rows_holding(portal: &TestPortal, needle: &str) -> Vec<String> {
    let list = match portal.state.db {
        db::Db::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '_sqlx_migrations'"
        }
        db::Db::Postgres(_) => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'"
        }
    };
    let tables: Vec<String> =
        db::on!(portal.state.db, |c| sqlx::query_scalar(list).fetch_all(c).await).expect("tables");
    let needle = needle.to_lowercase();
    let mut found = Vec::new();
    for table in tables {
        // Every text value of every row (other columns do not decode as text).
        let texts: Vec<String> =
            db::on!(portal.state.db, |c| sqlx::query(&format!("SELECT * FROM {table}"))
                .fetch_all(c)
                .await
                .map(|rows| {
                    rows.iter()
                        .flat_map(|row| {
                            (0..row.len())
                                .filter_map(|i| row.try_get::<Option<String>, _>(i).ok().flatten())
                                .collect::<Vec<_>>()
                        })
                        .collect()
                }))
            .expect("rows");
        for text in texts {
            if text.to_lowercase().contains(&needle) {
                found.push(format!("{table}: {text}"));
            }
        }
    }
    found
}

async fn count(portal: &TestPortal, table: &str) -> i64 {
    db::on!(portal.state.db, |c| sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(c)
        .await)
    .expect("count")
}

#[tokio::test]
async fn deleting_the_account_leaves_no_row_holding_its_emails() {
    let portal = TestPortal::start().await;
    let email = "Effacer.Moi@Example.com";
    let access = portal.signed_up_access(email).await;
    // Leave traces everywhere an email can sit: a sign-in with a wrong password, a reset in
    // progress, a linked address.
    let _ = portal.sign_in(email, "Mauvais123!").await;
    let _ = portal.reset_code_sent(email, None).await;
    let http = common::http();
    let linked = http
        .post(portal.url("/api/v1/me/emails"))
        .bearer_auth(&access)
        .json(&json!({"email": "ecole.famille@example.com"}))
        .send()
        .await
        .expect("link");
    assert_eq!(linked.status(), 202);
    assert!(!rows_holding(&portal, "effacer.moi@example.com").await.is_empty(), "traces exist");

    let deleted =
        http.delete(portal.url("/api/v1/me")).bearer_auth(&access).send().await.expect("delete");
    assert_eq!(deleted.status(), 204);
    assert_eq!(rows_holding(&portal, "effacer.moi@example.com").await, Vec::<String>::new());
    assert_eq!(rows_holding(&portal, "ecole.famille@example.com").await, Vec::<String>::new());
}

#[tokio::test]
async fn the_purge_removes_what_expired_and_keeps_what_is_live() {
    let portal = TestPortal::start().await;
    let access = portal.signed_up_access("garder@example.com").await;
    let _ = portal.sign_in("garder@example.com", "Mauvais123!").await;
    let live = portal.sign_in_token("garder@example.com").await;
    let linked = common::http()
        .post(portal.url("/api/v1/me/emails"))
        .bearer_auth(&access)
        .json(&json!({"email": "abandonnee@example.com"}))
        .send()
        .await
        .expect("link");
    assert_eq!(linked.status(), 202);
    let nothing = maintenance::purge(&portal.state).await.expect("purge");
    assert_eq!(nothing, maintenance::Purged::default(), "nothing expired yet");
    // What is live still works after a purge: the sign-in token, and its refresh family.
    let signed_in = portal.password_grant(&live, PASSWORD).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.text);
    let families = count(&portal, "refresh_tokens").await;
    assert!(families > 0 && count(&portal, "limit_events").await > 0);
    assert!(!rows_holding(&portal, "abandonnee@example.com").await.is_empty());

    // A day later every flow, code, token, abandoned address and limit event has expired; the
    // refresh tokens (30 days) have not.
    portal.clock.advance(Duration::hours(25));
    let purged = maintenance::purge(&portal.state).await.expect("purge");
    assert!(purged.continuation_tokens > 0 && purged.auth_flows > 0, "{purged:?}");
    assert!(purged.limit_events > 0 && purged.unverified_emails == 1, "{purged:?}");
    for table in [
        "auth_flows",
        "continuation_tokens",
        "verification_codes",
        "limit_events",
        "limit_subjects",
        "lockouts",
    ] {
        assert_eq!(count(&portal, table).await, 0, "{table} after the purge");
    }
    assert_eq!(rows_holding(&portal, "abandonnee@example.com").await, Vec::<String>::new());
    assert_eq!(count(&portal, "refresh_tokens").await, families, "live families stay");
    assert_eq!(count(&portal, "accounts").await, 1, "accounts are not the purge's business");

    // Past the 30-day sliding lifetime the families go too.
    portal.clock.advance(Duration::days(31));
    let purged = maintenance::purge(&portal.state).await.expect("purge");
    assert_eq!(purged.refresh_tokens, u64::try_from(families).expect("count"), "{purged:?}");
}
