//! Identity: sign-up, sign-in, password reset and change, start-up, the parents signed in on
//! this device (switching, adding one), sign-out, forgetting a parent or every one, and
//! deleting the account (`docs/contract.md §§1–4`, §9).
//!
//! Sign-up and reset are one flow (email → code → password): one command per step names the
//! flow by its kind and runs the step once, generic over the client's [`CodeFlow`].
//!
//! A sign-up or reset in progress is the client's serializable state, kept in the keychain at
//! `{portal id}|pending` after every step so a new launch reopens the same step while its
//! continuation token is valid, and the email step (email filled in) after that.

use cartable_core::{
    AppError, Email, Failure, PasswordPolicy, VerificationCode,
    ipc::{
        AddAccount, ChangePasswordStart, CodeStep, DeleteAccount, FlowCancel, FlowKind, FlowResend,
        FlowSetPassword, FlowStart, FlowStep, FlowVerifyCode, ForgetAllAccounts, ForgetDevice,
        ListAccounts, PasswordStep, PendingFlow, RestoreSession, SignIn as SignInCommand, SignOut,
        SignedIn, SignedOut, Startup, SwitchAccount,
    },
};
use portal_client::{
    CodeFlow, CodeSent, Flow, NeedsPassword, Pending, Portal, RefreshToken, ResetFlow, Session,
    SignIn, SignUpFlow, Step, StepResult,
};
use secrecy::SecretString;
use tauri::State;

use super::{Args, CommandResult};
use crate::{
    AppState,
    error::{Error, Result, flow_expired, retry_error},
    keychain::{StoredAccount, StoredPending},
    state::{CONTINUATION_SECONDS, FlowGuard, account_key, now_unix, parse_email},
};

// ---- start-up ----

/// Start-up (`docs/contract.md §9`): the current parent's stored session is restored silently
/// (children screen); `invalid_grant` deletes its entry and answers the login screen with the
/// email; a network failure keeps the token ("Portail injoignable — Réessayer"); a stored
/// sign-up or reset reopens its step. The single entry of earlier versions is migrated first.
#[tauri::command]
pub async fn restore_session(
    state: State<'_, AppState>,
    args: Args<RestoreSession>,
) -> CommandResult<RestoreSession> {
    let () = args;
    let startup = startup(&state).await;
    super::reached(super::Milestone::StartupAnswered);
    startup
}

/// Where the parent stands ([`restore_session`]).
async fn startup(state: &AppState) -> CommandResult<RestoreSession> {
    if let Some(signed) = state.signed().await {
        let persisted = state.keychain().available();
        return Ok(Startup::SignedIn(SignedIn { email: signed.email, persisted }));
    }
    let (portal, _) = state.client().await?;
    if let Some(startup) = migrate_legacy(state, &portal).await? {
        return Ok(startup);
    }
    let index = state.account_index().await;
    if let Some(key) = &index.current {
        return resume(state, &portal, key).await;
    }
    if let Some(pending) = state.flow().await.current() {
        return Ok(Startup::Pending(flow_step(pending)));
    }
    Ok(Startup::SignedOut { email: index.last_email, session_expired: false })
}

/// Resumes the session of account `key` from its entry and makes it the current parent's.
/// `invalid_grant` (or no entry) unlists it; a network failure keeps everything as it was.
async fn resume(state: &AppState, portal: &Portal, key: &str) -> CommandResult<RestoreSession> {
    let Some(StoredAccount { email, refresh_token: Some(token) }) = state.stored_account(key).await
    else {
        let email = state.account_index().await.email_of(key).map(str::to_owned);
        state.unlist(key, email.as_deref()).await;
        return Ok(Startup::SignedOut { email, session_expired: true });
    };
    let session = portal.resume_session(RefreshToken::new(token));
    // Observed before the first call, so the rotation that call causes is stored.
    state.observe(key, &email, &session).await;
    // Only the refresh: the first screen's own call (the children) is the second request.
    match session.ensure_active().await {
        Ok(()) => {
            let persisted = state.install(key, &email, session).await;
            Ok(Startup::SignedIn(SignedIn { email, persisted }))
        }
        Err(portal_client::Error::SessionEnded) => {
            state.unlist(key, Some(&email)).await;
            Ok(Startup::SignedOut { email: Some(email), session_expired: true })
        }
        // Keep the stored token; "Réessayer" calls restore_session again.
        Err(error) if error.is_network() => {
            log::warn!("portal unreachable while resuming a session: {error}");
            Ok(Startup::PortalUnreachable { email: Some(email) })
        }
        Err(error) => Err(error.into()),
    }
}

/// Migrates the single entry `{portal id}` of earlier versions (`docs/contract.md §9`): its
/// session is resumed (rotations still written to it), keyed by the account id its first
/// refresh names, and moved to its own entry in the index; a signed-out entry leaves its email
/// to the index. Nothing is deleted before it is in the new layout: a portal out of reach keeps
/// the old entry for the next start.
async fn migrate_legacy(state: &AppState, portal: &Portal) -> Result<Option<Startup>> {
    let Some(StoredAccount { email, refresh_token }) = state.legacy_account().await else {
        return Ok(None);
    };
    let Some(token) = refresh_token else {
        state.retire_legacy(&email).await;
        return Ok(None);
    };
    let session = portal.resume_session(RefreshToken::new(token));
    state.observe_legacy(&email, &session).await;
    let key = match session.ensure_active().await {
        Ok(()) => account_key(&session).await,
        Err(error) => Err(error.into()),
    };
    match key {
        Ok(key) => {
            state.observe(&key, &email, &session).await;
            let persisted = state.install(&key, &email, session).await;
            state.retire_legacy(&email).await;
            log::info!("migrated the keychain entry of {}", crate::mask_email(&email));
            Ok(Some(Startup::SignedIn(SignedIn { email, persisted })))
        }
        Err(Error::Portal(portal_client::Error::SessionEnded)) => {
            state.retire_legacy(&email).await;
            Ok(Some(Startup::SignedOut { email: Some(email), session_expired: true }))
        }
        Err(Error::Portal(error)) if error.is_network() => {
            log::warn!("portal unreachable at start-up: {error}");
            Ok(Some(Startup::PortalUnreachable { email: Some(email) }))
        }
        Err(error) => Err(error),
    }
}

/// The pending sign-up or reset, if any (`pending_flow`).
#[tauri::command]
pub async fn pending_flow(
    state: State<'_, AppState>,
    args: Args<PendingFlow>,
) -> CommandResult<PendingFlow> {
    let () = args;
    Ok(state.flow().await.current().map(flow_step))
}

// ---- sign-up and reset (§§1, 3): one flow ----

/// Runs `$body` with `$flow` naming the client's flow of `$kind` ([`SignUpFlow`] or
/// [`ResetFlow`]): the one place a [`FlowKind`] becomes a flow type ([`Kind`] is the way back).
macro_rules! by_kind {
    ($kind:expr, $flow:ident => $body:expr) => {
        match $kind {
            FlowKind::SignUp => {
                type $flow = SignUpFlow;
                $body
            }
            FlowKind::Reset => {
                type $flow = ResetFlow;
                $body
            }
        }
    };
}

/// A code-confirmed flow of the client with its [`FlowKind`] on the IPC.
trait Kind: CodeFlow {
    /// The kind the UI names this flow by.
    const KIND: FlowKind;
}

impl Kind for SignUpFlow {
    const KIND: FlowKind = FlowKind::SignUp;
}

impl Kind for ResetFlow {
    const KIND: FlowKind = FlowKind::Reset;
}

/// The kind of a pending flow.
fn kind_of(pending: &Pending) -> FlowKind {
    if SignUpFlow::owns(pending) { SignUpFlow::KIND } else { ResetFlow::KIND }
}

/// Sends the verification code of a new sign-up or reset (`flow_start`).
#[tauri::command]
pub async fn flow_start(
    state: State<'_, AppState>,
    args: Args<FlowStart>,
) -> CommandResult<FlowStart> {
    let email = parse_email(&args.email)?;
    by_kind!(args.kind, F => start::<F>(&state, email).await)
}

/// Password change from Paramètres: the reset flow for the signed-in email
/// (`change_password_start`).
#[tauri::command]
pub async fn change_password_start(
    state: State<'_, AppState>,
    args: Args<ChangePasswordStart>,
) -> CommandResult<ChangePasswordStart> {
    let () = args;
    let signed = state.require_session().await?;
    start::<ResetFlow>(&state, parse_email(&signed.email)?).await
}

/// Sends a new code for the pending flow of `kind` (`flow_resend`).
#[tauri::command]
pub async fn flow_resend(
    state: State<'_, AppState>,
    args: Args<FlowResend>,
) -> CommandResult<FlowResend> {
    by_kind!(args.kind, F => resend::<F>(&state).await)
}

/// Checks the emailed code of the pending flow of `kind` (`flow_verify_code`).
#[tauri::command]
pub async fn flow_verify_code(
    state: State<'_, AppState>,
    args: Args<FlowVerifyCode>,
) -> CommandResult<FlowVerifyCode> {
    by_kind!(args.kind, F => verify_code::<F>(&state, args.code.expose()).await)
}

/// Sets the password of the pending flow of `kind` and signs in (`flow_set_password`): a
/// sign-up creates the account; a completed reset revokes every refresh token of the account
/// (`docs/contract.md §3`), so the new session replaces any other.
#[tauri::command]
pub async fn flow_set_password(
    state: State<'_, AppState>,
    args: Args<FlowSetPassword>,
) -> CommandResult<FlowSetPassword> {
    let password = checked_password(args.password.expose())?;
    by_kind!(args.kind, F => set_password::<F>(&state, &password).await)
}

/// Abandons the pending flow of `kind` (`flow_cancel`); nothing pending, or a flow of the other
/// kind (which stays), is not an error.
#[tauri::command]
pub async fn flow_cancel(
    state: State<'_, AppState>,
    args: Args<FlowCancel>,
) -> CommandResult<FlowCancel> {
    let mut flow = state.flow().await;
    if flow.current().is_some_and(|stored| kind_of(&stored.flow) == args.kind) {
        flow.clear();
    }
    Ok(())
}

async fn start<F: Kind>(state: &AppState, email: Email) -> Result<CodeStep> {
    let (portal, _) = state.client().await?;
    let mut flow = state.flow().await;
    let sent = plain(F::start(email, &portal).await)?;
    Ok(record_code(&mut flow, sent))
}

async fn resend<F: Kind>(state: &AppState) -> Result<CodeStep> {
    let (portal, _) = state.client().await?;
    let mut flow = state.flow().await;
    let (sent, original) = take(&mut flow, F::code_sent)?;
    let sent = settle(&mut flow, original, sent.resend(&portal).await)?;
    Ok(record_code(&mut flow, sent))
}

async fn verify_code<F: Kind>(state: &AppState, input: &str) -> Result<PasswordStep> {
    let (portal, _) = state.client().await?;
    let mut flow = state.flow().await;
    let (sent, original) = take(&mut flow, F::code_sent)?;
    let code = parse_code(input, &sent).inspect_err(|_| flow.restore(original.clone()))?;
    let needs = settle(&mut flow, original, sent.verify(&portal, &code).await)?;
    Ok(record_password(&mut flow, needs))
}

async fn set_password<F: Kind>(state: &AppState, password: &SecretString) -> Result<SignedIn> {
    let (portal, _) = state.client().await?;
    let mut flow = state.flow().await;
    let (needs, original) = take(&mut flow, F::needs_password)?;
    let email = needs.email().clone();
    let done = settle(&mut flow, original, needs.submit(&portal, password).await)?;
    flow.clear();
    drop(flow);
    let session = match F::sign_in(done, &portal).await {
        Some(session) => session,
        // The reset is done; only the shortcut failed: sign in with the new password.
        None => password_sign_in(&portal, email.clone(), password).await?,
    };
    signed_in(state, email.to_string(), session).await
}

// ---- sign-in (§2) ----

/// Signs in with email and password (`sign_in`).
#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    args: Args<SignInCommand>,
) -> CommandResult<SignInCommand> {
    let email = parse_email(&args.email)?;
    let password = SecretString::from(args.password.expose());
    let (portal, _) = state.client().await?;
    let session = password_sign_in(&portal, email.clone(), &password).await?;
    signed_in(&state, email.to_string(), session).await
}

async fn password_sign_in(
    portal: &Portal,
    email: Email,
    password: &SecretString,
) -> Result<Session> {
    let needs = plain(SignIn::new(email).start(portal).await)?;
    plain(needs.submit(portal, password).await)
}

// ---- leaving ----

/// "Se déconnecter": revokes the current parent's refresh token (when the portal lists a
/// revocation endpoint) and deletes their entry; the email stays for the next login, and the
/// other parents stay signed in (`sign_out`).
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>, args: Args<SignOut>) -> CommandResult<SignOut> {
    let () = args;
    let email = match end_session(&state).await {
        Some(signed) => {
            state.unlist(&signed.key, Some(&signed.email)).await;
            Some(signed.email)
        }
        None => state.account_index().await.last_email,
    };
    state.apply_portal_choice().await;
    Ok(SignedOut { email })
}

/// "Oublier cet appareil": signs the current parent out, then deletes their entry, their email
/// and the pending flow; the other parents stay signed in (`forget_device`).
#[tauri::command]
pub async fn forget_device(
    state: State<'_, AppState>,
    args: Args<ForgetDevice>,
) -> CommandResult<ForgetDevice> {
    let () = args;
    if let Some(signed) = end_session(&state).await {
        state.forget_account(&signed.key).await;
    }
    state.apply_portal_choice().await;
    Ok(())
}

/// "Oublier tous les comptes": signs every parent of the portal in use out, then deletes every
/// keychain entry, the pending flow, the settings and the demo portal's data
/// (`forget_all_accounts`).
#[tauri::command]
pub async fn forget_all_accounts(
    state: State<'_, AppState>,
    args: Args<ForgetAllAccounts>,
) -> CommandResult<ForgetAllAccounts> {
    let () = args;
    end_session(&state).await;
    if let Ok((portal, _)) = state.client().await {
        for listed in state.account_index().await.accounts {
            let Some(token) = state.stored_account(&listed.key).await.and_then(|a| a.refresh_token)
            else {
                continue;
            };
            if let Err(error) = portal.resume_session(RefreshToken::new(token)).sign_out().await {
                log::warn!("sign-out could not reach the portal (forgotten anyway): {error}");
            }
        }
    }
    state.forget_everything().await;
    Ok(())
}

/// Deletes the current parent's account at the portal (`DELETE /api/v1/me`), then forgets it
/// on this device; the other parents stay signed in (`delete_account`).
#[tauri::command]
pub async fn delete_account(
    state: State<'_, AppState>,
    args: Args<DeleteAccount>,
) -> CommandResult<DeleteAccount> {
    let () = args;
    state.with_session(|s| async move { s.delete_account().await }).await?;
    if let Some(signed) = state.take_session().await {
        state.forget_account(&signed.key).await;
    }
    Ok(())
}

// ---- the parents on this device ----

/// The parents signed in on this device, for the header's switcher (`list_accounts`).
#[tauri::command]
pub async fn list_accounts(
    state: State<'_, AppState>,
    args: Args<ListAccounts>,
) -> CommandResult<ListAccounts> {
    let () = args;
    Ok(state.accounts().await)
}

/// Switches to another signed-in parent (`switch_account`): their session is resumed from
/// their entry and replaces the current one in memory (which stays signed in); a pending
/// sign-up or reset ends. A refused session unlists them and sets the current parent aside
/// (the login screen, their email filled in); an unreachable portal changes nothing.
#[tauri::command]
pub async fn switch_account(
    state: State<'_, AppState>,
    args: Args<SwitchAccount>,
) -> CommandResult<SwitchAccount> {
    if let Some(signed) = state.signed().await.filter(|s| s.key == args.key) {
        let persisted = state.keychain().available();
        return Ok(Startup::SignedIn(SignedIn { email: signed.email, persisted }));
    }
    let (portal, _) = state.client().await?;
    let startup = resume(&state, &portal, &args.key).await?;
    match &startup {
        Startup::SignedIn(_) => state.flow().await.clear(),
        Startup::SignedOut { .. } => state.park().await,
        Startup::Pending(_) | Startup::PortalUnreachable { .. } => {}
    }
    Ok(startup)
}

/// "Ajouter un parent" (`add_account`): the current parent is set aside, still signed in, and
/// the next sign-in or sign-up adds another.
#[tauri::command]
pub async fn add_account(
    state: State<'_, AppState>,
    args: Args<AddAccount>,
) -> CommandResult<AddAccount> {
    let () = args;
    state.park().await;
    Ok(())
}

/// Signs the session out at the portal (errors logged: it ends locally in every case) and
/// answers the parent it belonged to.
async fn end_session(state: &AppState) -> Option<crate::state::Signed> {
    let signed = state.take_session().await?;
    if let Err(error) = signed.session.sign_out().await {
        log::warn!("sign-out could not reach the portal (the token is forgotten anyway): {error}");
    }
    Some(signed)
}

// ---- helpers ----

/// Keeps a new session as every sign-in does (keychain, rotations) and answers [`SignedIn`].
pub(crate) async fn signed_in(
    state: &AppState,
    email: String,
    session: Session,
) -> Result<SignedIn> {
    let persisted = state.adopt(&email, session).await?;
    Ok(SignedIn { email, persisted })
}

/// A step's outcome when no stored flow is involved (start of a flow, sign-in).
fn plain<N, S>(result: StepResult<N, S>) -> Result<N> {
    match result {
        Ok(Step::Next(next)) => Ok(next),
        Ok(other) => Err(step_error(other).1),
        Err(interrupted) => Err(interrupted.error.into()),
    }
}

/// A step's outcome on the stored flow: the next state, or the error with the flow kept
/// (retry, network failure: same token again) or ended (expired, redirect, existing account).
fn settle<N, S>(
    flow: &mut FlowGuard<'_>,
    original: StoredPending,
    result: StepResult<N, S>,
) -> Result<N> {
    match result {
        Ok(Step::Next(next)) => Ok(next),
        Ok(other) => {
            let (keep, error) = step_error(other);
            if keep {
                flow.restore(original);
            } else {
                flow.clear();
            }
            Err(error)
        }
        Err(interrupted) => {
            flow.restore(original);
            Err(interrupted.error.into())
        }
    }
}

/// The error of a non-`Next` step and whether the flow may continue with the same state.
fn step_error<N, S>(step: Step<N, S>) -> (bool, Error) {
    let email_of = |email: Email| email.as_str().to_owned();
    match step {
        Step::Retry { reason, .. } => (true, retry_error(&reason).into()),
        Step::Expired { email } => (false, flow_expired(email.as_str()).into()),
        Step::UserAlreadyExists { email } => {
            (false, Failure::UserAlreadyExists { email: email_of(email) }.into())
        }
        Step::UserNotFound { email } => {
            (false, Failure::UserNotFound { email: email_of(email) }.into())
        }
        Step::Redirect { email } | Step::AttributesRequired { email, .. } => {
            (false, Failure::RedirectRequired { email: email_of(email) }.into())
        }
        _ => (true, Failure::PortalError { status: None }.into()),
    }
}

/// Takes the pending state `pick` finds out of the flow (a step of the expected kind); another
/// step or kind (or none) is `no_pending_flow` and stays in place.
fn take<T: Clone>(
    flow: &mut FlowGuard<'_>,
    pick: impl FnOnce(&Pending) -> Option<&T>,
) -> Result<(T, StoredPending)> {
    let stored = flow.take().ok_or(Error::from(Failure::NoPendingFlow))?;
    let picked = pick(&stored.flow).cloned();
    match picked {
        Some(state) => Ok((state, stored)),
        None => {
            flow.restore(stored);
            Err(Failure::NoPendingFlow.into())
        }
    }
}

fn record_code<F: Kind>(flow: &mut FlowGuard<'_>, sent: CodeSent<F>) -> CodeStep {
    let step = code_step(&sent);
    flow.set(F::pending_code(sent), step.expires_at);
    step
}

fn record_password<F: Kind>(flow: &mut FlowGuard<'_>, needs: NeedsPassword<F>) -> PasswordStep {
    let step = PasswordStep {
        flow: F::KIND,
        email: needs.email().to_string(),
        expires_at: now_unix() + CONTINUATION_SECONDS,
    };
    flow.set(F::pending_password(needs), step.expires_at);
    step
}

fn code_step<F: Kind>(sent: &CodeSent<F>) -> CodeStep {
    CodeStep {
        flow: F::KIND,
        email: sent.email().to_string(),
        target_label: sent.target_label().to_owned(),
        code_length: u8::try_from(sent.code_length()).unwrap_or(u8::MAX),
        resend_available_at: sent.resend_at().unix_timestamp(),
        expires_at: sent.sent_at().unix_timestamp() + CONTINUATION_SECONDS,
    }
}

/// The step a stored flow reopens at; past its expiry, the email step with the email kept
/// (`docs/contract.md §1` "Resume").
pub fn flow_step(stored: &StoredPending) -> FlowStep {
    by_kind!(kind_of(&stored.flow), F => step_of::<F>(stored))
}

fn step_of<F: Kind>(stored: &StoredPending) -> FlowStep {
    let email = stored.flow.email().to_string();
    if now_unix() >= stored.expires_at {
        return FlowStep::Email { flow: F::KIND, email };
    }
    match F::code_sent(&stored.flow) {
        Some(sent) => FlowStep::Code(code_step(sent)),
        None => {
            FlowStep::Password(PasswordStep { flow: F::KIND, email, expires_at: stored.expires_at })
        }
    }
}

fn parse_code<F: Flow>(input: &str, sent: &CodeSent<F>) -> Result<VerificationCode> {
    VerificationCode::parse(input, sent.code_length()).map_err(|e| AppError::from(e).into())
}

/// The portal's password policy, checked before sending (`docs/contract.md §1`); the
/// failure's code is the portal's suberror, on field `password`.
fn checked_password(password: &str) -> Result<SecretString> {
    PasswordPolicy::check(password).map_err(|e| Error::from(AppError::from(e)))?;
    Ok(SecretString::from(password))
}
