//! The demo registry (`docs/contract.md §7`): fictional children loaded on start in demo mode.
//!
//! The data is `fixtures/demo_registry.jsonl`, in the import format of [`super::import`]. It
//! is loaded only when the registry holds no student, so restarting a demo portal keeps its
//! records (and the NIPs already used). `docs/contract.md §7` lists the children.

use time::OffsetDateTime;

use super::import::{ImportError, ImportReport, import_str};
use crate::AppState;

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
    db: &sqlx::SqlitePool,
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
