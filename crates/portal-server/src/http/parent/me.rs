//! `GET /api/v1/me` and `DELETE /api/v1/me` (`docs/contract.md §6`).

use axum::{Json, extract::State, http::StatusCode};
use cartable_core::wire::parent::{EmailEntry, Me};

use crate::db::{self, Stamp};
use crate::{
    AppState,
    http::{
        extract::AuthParent,
        problem::{ApiProblem, TokenProblems},
    },
    tokens::revoke_all_for_account,
};

/// The signed-in parent's account: id, sign-in email, every email with its `verified` state,
/// sign-in providers and creation time.
///
/// `providers` holds `local` when the account has a password, then the providers the parent
/// signs in with through the browser flow (§5: `google`, `live`, `facebook`, `linkedin`,
/// `apple`), in the order they were first used.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "parent",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = Me),
        TokenProblems,
    )
)]
pub async fn get_me(
    auth: AuthParent,
    State(state): State<AppState>,
) -> Result<Json<Me>, ApiProblem> {
    let (id, email, has_password, created_at): (String, Option<String>, bool, Stamp) =
        db::on!(state.db, |c| sqlx::query_as(
            "SELECT id, email, password_hash IS NOT NULL, created_at FROM accounts WHERE id = $1",
        )
        .bind(&auth.account_id)
        .fetch_one(c)
        .await)?;
    let emails: Vec<(String, bool)> = db::on!(state.db, |c| sqlx::query_as(
        "SELECT address, verified FROM account_emails WHERE account_id = $1 \
         ORDER BY created_at, address",
    )
    .bind(&auth.account_id)
    .fetch_all(c)
    .await)?;
    Ok(Json(Me {
        id,
        email,
        emails: emails
            .into_iter()
            .map(|(address, verified)| EmailEntry { address, verified })
            .collect(),
        providers: providers(&state, &auth.account_id, has_password).await?,
        created_at: created_at.at(),
    }))
}

/// Deletes the account with its emails, associations and tokens (Québec's privacy law gives
/// parents this right; `docs/contract.md §6`) → 204. Refresh tokens are revoked first; then, in
/// one transaction, every sign-in, sign-up, reset and linking flow of any of the account's
/// addresses (with their codes and continuation tokens) and the account row go, and every table
/// referencing it follows (`ON DELETE CASCADE`): no row holds the account's email afterwards,
/// and a later refresh fails with `invalid_grant`. Limit counters are keyed hashes, not emails;
/// the association's counter is kept on purpose (keyed by the sign-in identity), so deleting
/// and recreating the account does not reset it (`SECURITY.md`).
#[utoipa::path(
    delete,
    path = "/api/v1/me",
    tag = "parent",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Account deleted"),
        TokenProblems,
    )
)]
pub async fn delete_me(
    auth: AuthParent,
    State(state): State<AppState>,
) -> Result<StatusCode, ApiProblem> {
    revoke_all_for_account(&state, &auth.account_id)
        .await
        .map_err(|error| ApiProblem::internal(&error))?;
    let mut tx = state.db.begin_write().await?;
    // Flows of an unknown-at-start email (a sign-in) are not linked to the account by a key.
    db::on!(tx, |c| sqlx::query(
        "DELETE FROM auth_flows WHERE account_id = $1 OR email IN \
         (SELECT address FROM account_emails WHERE account_id = $2 \
          UNION SELECT email FROM accounts WHERE id = $3 AND email IS NOT NULL)",
    )
    .bind(&auth.account_id)
    .bind(&auth.account_id)
    .bind(&auth.account_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    db::on!(tx, |c| sqlx::query("DELETE FROM accounts WHERE id = $1")
        .bind(&auth.account_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    tracing::info!("account deleted at the parent's request");
    Ok(StatusCode::NO_CONTENT)
}

/// `local` for an account with a password, then its sign-in providers (§5).
async fn providers(
    state: &AppState,
    account_id: &str,
    has_password: bool,
) -> Result<Vec<String>, ApiProblem> {
    let social: Vec<String> = db::on!(state.db, |c| {
        sqlx::query_scalar(
        "SELECT provider FROM provider_identities WHERE account_id = $1 ORDER BY created_at, provider",
    )
    .bind(account_id)
    .fetch_all(c)
    .await
    })?;
    Ok(has_password.then(|| "local".to_owned()).into_iter().chain(social).collect())
}
