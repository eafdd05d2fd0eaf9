//! The school registry (`docs/contract.md §7`): the stand-in for the schools' student records
//! that the parent API (§6) matches association requests against.
//!
//! - Schema: `migrations/{sqlite,postgres}/0002_registry.sql`. Each name is stored as registered and as its
//!   matching key ([`PersonName::matching_key`](cartable_core::PersonName::matching_key));
//!   identifiers normalised by cartable-core's parsers; guardian emails in canonical form; a
//!   NIP only as a keyed hash (purpose [`NIP_PURPOSE`]) with its expiry and use time.
//! - [`import`]: the JSON Lines file format (the demo fixture uses it too), all-or-nothing.
//! - [`fixture`]: the fictional demo children, loaded on start in demo mode.
//! - [`matching`]: the matching rule of §6, as index seeks.
//! - [`command`]: `portal-server registry import FILE`.
//!
//! The 72 school bodies come from [`SchoolBoards::embedded`]; only their subscription state
//! lives here (a body without a row is subscribed).

use crate::db::{self, Db};
use cartable_core::{
    Org, PrivateSchoolId, SchoolBoards,
    wire::parent::{PrivateSchool, SchoolBoardEntry},
};

pub mod command;
pub mod fixture;
pub mod import;
pub mod matching;

/// Purpose of NIP hashes in [`HashKey::hash`](crate::crypto::HashKey::hash).
pub const NIP_PURPOSE: &str = "nip";

/// Every school body with its subscription state, in the order of `school_boards.json`.
///
/// # Errors
/// Database failure.
pub async fn board_entries(db: &Db) -> Result<Vec<SchoolBoardEntry>, sqlx::Error> {
    let unsubscribed: Vec<String> = db::on!(db, |c| sqlx::query_scalar(
        "SELECT board_id FROM board_subscriptions WHERE NOT subscribed"
    )
    .fetch_all(c)
    .await)?;
    Ok(SchoolBoards::embedded()
        .all()
        .iter()
        .map(|board| {
            SchoolBoardEntry::new(board, !unsubscribed.iter().any(|id| board.id == id.as_str()))
        })
        .collect())
}

/// Every private school, by id.
///
/// # Errors
/// Database failure.
pub async fn private_schools(db: &Db) -> Result<Vec<PrivateSchool>, sqlx::Error> {
    let rows: Vec<(String, String, bool)> = db::on!(db, |c| sqlx::query_as(
        "SELECT id, name, subscribed FROM private_schools ORDER BY id"
    )
    .fetch_all(c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, subscribed)| PrivateSchool {
            id: PrivateSchoolId::new(id),
            name,
            subscribed,
        })
        .collect())
}

/// The version of the public lists ([`board_entries`], [`private_schools`]): the database bumps
/// it with every change to the rows they are built from, whichever process makes the change
/// (triggers of `migrations/{sqlite,postgres}/0009_registry_lists_version.sql`). Equal versions
/// mean equal lists.
///
/// # Errors
/// Database failure.
pub async fn lists_version(db: &Db) -> Result<i64, sqlx::Error> {
    db::on!(db, |c| sqlx::query_scalar("SELECT version FROM registry_lists_version WHERE id = 1")
        .fetch_one(c)
        .await)
}

/// Whether `org` is subscribed: `None` when no such body or private school exists.
///
/// # Errors
/// Database failure.
pub async fn subscribed(db: &Db, org: &Org) -> Result<Option<bool>, sqlx::Error> {
    match org {
        Org::Board(id) => {
            if SchoolBoards::embedded().get(id).is_none() {
                return Ok(None);
            }
            let row: Option<bool> = db::on!(db, |c| sqlx::query_scalar(
                "SELECT subscribed FROM board_subscriptions WHERE board_id = $1",
            )
            .bind(id.as_str())
            .fetch_optional(c)
            .await)?;
            Ok(Some(row.unwrap_or(true)))
        }
        Org::PrivateSchool(id) => {
            db::on!(db, |c| sqlx::query_scalar(
                "SELECT subscribed FROM private_schools WHERE id = $1"
            )
            .bind(id.as_str())
            .fetch_optional(c)
            .await)
        }
    }
}

/// Number of student records.
///
/// # Errors
/// Database failure.
pub async fn student_count(db: &Db) -> Result<i64, sqlx::Error> {
    db::on!(db, |c| sqlx::query_scalar("SELECT COUNT(*) FROM students").fetch_one(c).await)
}
