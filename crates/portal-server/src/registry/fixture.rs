//! The demo registry (`docs/contract.md §7`): fictional children loaded on start in demo mode.
//!
//! The data is `fixtures/demo_registry.jsonl`, in the import format of [`super::import`]. It
//! is loaded only when the registry holds no student, so restarting a demo portal keeps its
//! records (and the NIPs already used). `docs/contract.md §7` lists the children.

use time::OffsetDateTime;

use super::import::{ImportError, ImportReport, import_str};
use crate::AppState;
use crate::db::{self, Db};

/// The fixture file, compiled in.
pub const DEMO_REGISTRY: &str = include_str!("../../fixtures/demo_registry.jsonl");

/// Loads [`DEMO_REGISTRY`] when the registry has no student; `Ok(None)` when it already has.
///
/// # Errors
/// The fixture is invalid (a test guards against it) or the database fails.
pub async fn load_if_empty(state: &AppState) -> Result<Option<ImportReport>, ImportError> {
    load_into_if_empty(&state.db, &state.hash_key, state.clock.now()).await
}

/// [`load_if_empty`] for callers that hold the parts (start-up, before the state exists).
///
/// # Errors
/// As [`load_if_empty`].
pub async fn load_into_if_empty(
    db: &Db,
    key: &crate::crypto::HashKey,
    now: OffsetDateTime,
) -> Result<Option<ImportReport>, ImportError> {
    if super::student_count(db).await? > 0 {
        return Ok(None);
    }
    let report = import_str(db, key, DEMO_REGISTRY, now).await?;
    tracing::info!(students = report.students, "demo registry loaded");
    Ok(Some(report))
}

/// How many students of the registry are not records of [`DEMO_REGISTRY`] (same board or
/// private school, numéro de fiche and code permanent). `serve --demo` refuses a database with
/// any: demo mode logs every verification code and is meant for fictional children only.
///
/// # Errors
/// The database fails, or the fixture does not parse (a test guards against it).
pub async fn foreign_student_count(db: &Db) -> Result<i64, ImportError> {
    #[derive(serde::Deserialize)]
    struct Record {
        kind: String,
        #[serde(default)]
        board_id: Option<String>,
        #[serde(default)]
        private_school_id: Option<String>,
        #[serde(default)]
        student_number: Option<String>,
        #[serde(default)]
        permanent_code: Option<String>,
    }
    let total = super::student_count(db).await?;
    let mut fixture = 0;
    for line in DEMO_REGISTRY.lines().filter(|l| !l.trim().is_empty()) {
        let record: Record = serde_json::from_str(line)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        if record.kind != "student" {
            continue;
        }
        let found: i64 = db::on!(db, |c| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM students WHERE board_id IS NOT DISTINCT FROM $1 AND private_school_id IS NOT DISTINCT FROM $2 \
             AND student_number IS NOT DISTINCT FROM $3 AND permanent_code IS NOT DISTINCT FROM $4",
        )
        .bind(record.board_id)
        .bind(record.private_school_id)
        .bind(record.student_number)
        .bind(record.permanent_code)
        .fetch_one(c)
        .await
        })?;
        fixture += found;
    }
    Ok(total - fixture)
}
