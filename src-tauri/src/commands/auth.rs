//! Identity: sign-up, sign-in, password reset and change, start-up, sign-out, forgetting the
//! device and deleting the account (`docs/contract.md §§1–4`, §9).
//!
//! A sign-up or reset in progress is the client's serializable state, kept in the keychain at
//! `{portal id}|pending` after every step so a new launch reopens the same step while its
//! continuation token is valid, and the email step (email filled in) after that.

use cartable_core::{
    PasswordPolicy, Problem, VerificationCode,
    ipc::{
        ChangePasswordStart, CodeStep, DeleteAccount, FlowKind, FlowStep, ForgetDevice,
        PasswordStep, PendingFlow, ResetCancel, ResetResend, ResetSetPassword, ResetStart,
        ResetVerifyCode, RestoreSession, SignIn as SignInCommand, SignOut, SignUpCancel,
        SignUpResend, SignUpSetPassword, SignUpStart, SignUpVerifyCode, SignedIn, SignedOut,
        Startup, codes,
    },
};
use portal_client::{
    CodeSent, Flow, NeedsPassword, Pending, Portal, RefreshToken, Reset, Session, SignIn, SignUp,
    Step, StepResult,
};
use secrecy::SecretString;
use tauri::State;

use super::{Args, Reply};
use crate::{
    AppState,
    error::{Error, Result, flow_expired, retry_problem},
    keychain::{StoredAccount, StoredPending},
    state::{CONTINUATION_SECONDS, FlowGuard, now_unix, parse_email},
};

// ---- start-up ----

/// Start-up (`docs/contract.md §9`): a stored session is restored silently (children screen);
/// `invalid_grant` deletes its token and answers the login screen with the email; a network
/// failure keeps the token ("Portail injoignable — Réessayer"); a stored sign-up or reset
/// reopens its step.
#[tauri::command]
pub async fn restore_session(
    state: State<'_, AppState>,
    args: Args<RestoreSession>,
) -> Reply<RestoreSession> {
    let () = args;
    if let Some(signed) = state.signed().await {
        let persisted = state.keychain().available();
        return Ok(Startup::SignedIn(SignedIn { email: signed.email, persisted }));
    }
    let (portal, _) = state.client().await?;
    let account = state.stored_account().await;
    if let Some(StoredAccount { email, refresh_token: Some(token) }) = account.clone() {
        return resume(&state, &portal, email, RefreshToken::new(token)).await;
    }
    if let Some(pending) = state.flow().await.current() {
        return Ok(Startup::Pending(flow_step(pending)));
    }
    Ok(Startup::SignedOut { email: account.map(|a| a.email), session_expired: false })
}

async fn resume(
    state: &AppState,
    portal: &Portal,
    email: String,
    token: RefreshToken,
) -> Reply<RestoreSession> {
    let session = portal.resume_session(token);
    // Adopted before the first call, so the rotation that call causes is stored.
    let persisted = state.adopt(&email, session.clone()).await;
    // Only the refresh: the first screen's own call (the children) is the second request.
    match session.ensure_active().await {
        Ok(()) => Ok(Startup::SignedIn(SignedIn { email, persisted })),
        Err(portal_client::Error::SessionEnded) => {
            state.session_ended().await;
            Ok(Startup::SignedOut { email: Some(email), session_expired: true })
        }
        Err(error) => {
            // Keep the stored token; "Réessayer" calls restore_session again.
            state.take_session().await;
            if error.is_network() {
                log::warn!("portal unreachable at start-up: {error}");
                Ok(Startup::PortalUnreachable { email: Some(email) })
            } else {
                Err(error.into())
            }
        }
    }
}

/// The pending sign-up or reset, if any (`pending_flow`).
#[tauri::command]
pub async fn pending_flow(
    state: State<'_, AppState>,
    args: Args<PendingFlow>,
) -> Reply<PendingFlow> {
    let () = args;
    Ok(state.flow().await.current().map(flow_step))
}

// ---- sign-up (§1) ----

/// Sends the verification code (`sign_up_start`).
#[tauri::command]
pub async fn sign_up_start(
    state: State<'_, AppState>,
    args: Args<SignUpStart>,
) -> Reply<SignUpStart> {
    let email = parse_email(&args.email)?;
    let (portal, _) = state.client().await?;
    let mut flow = state.flow().await;
    let sent = plain(SignUp::new(email).start(&portal).await)?;
    Ok(record_code(&mut flow, FlowKind::SignUp, sent, Pending::SignUpCodeSent))
}

/// Sends a new code for the pending sign-up (`sign_up_resend`).
#[tauri::command]
pub async fn sign_up_resend(
    state: State<'_, AppState>,
    args: Args<SignUpResend>,
) -> Reply<SignUpResend> {
    let () = args;
    let (portal, _) = state.client().await?;
    let mut flow = state.flow().await;
    let (sent, original) = take(&mut flow, |p| match p {
        Pending::SignUpCodeSent(s) => Ok(s),
        other => Err(other),
    })?;
    let sent = settle(&mut flow, original, sent.resend(&portal).await)?;
    Ok(record_code(&mut flow, FlowKind::SignUp, sent, Pending::SignUpCodeSent))
}

/// Checks the emailed code (`sign_up_verify_code`).
#[tauri::command]
pub async fn sign_up_verify_code(
    state: State<'_, AppState>,
    args: Args<SignUpVerifyCode>,
) -> Reply<SignUpVerifyCode> {
    let (portal, _) = state.client().await?;
    let mut flow = state.flow().await;
    let (sent, original) = take(&mut flow, |p| match p {
        Pending::SignUpCodeSent(s) => Ok(s),
        other => Err(other),
    })?;
    let code = parse_code(&args.code, &sent).inspect_err(|_| flow.restore(original.clone()))?;
    let needs = settle(&mut flow, original, sent.verify(&portal, &code).await)?;
    Ok(record_password(&mut flow, FlowKind::SignUp, needs, Pending::SignUpNeedsPassword))
}

/// Sets the password, creates the account and signs in (`sign_up_set_password`).
#[tauri::command]
pub async fn sign_up_set_password(
    state: State<'_, AppState>,
    args: Args<SignUpSetPassword>,
) -> Reply<SignUpSetPassword> {
    let password = checked_password(args.password)?;
    let (portal, _) = state.client().await?;
    let mut flow = state.flow().await;
    let (needs, original) = take(&mut flow, |p| match p {
        Pending::SignUpNeedsPassword(n) => Ok(n),
        other => Err(other),
    })?;
    let email = needs.email().to_string();
    let session = settle(&mut flow, original, needs.submit(&portal, &password).await)?;
    flow.clear();
    drop(flow);
    signed_in(&state, email, session).await
}

/// Abandons the pending sign-up (`sign_up_cancel`); nothing pending is not an error.
#[tauri::command]
pub async fn sign_up_cancel(
    state: State<'_, AppState>,
    args: Args<SignUpCancel>,
) -> Reply<SignUpCancel> {
    let () = args;
    cancel(&mut state.flow().await, FlowKind::SignUp);
    Ok(())
}

// ---- sign-in (§2) ----

/// Signs in with email and password (`sign_in`).
#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    args: Args<SignInCommand>,
) -> Reply<SignInCommand> {
    let email = parse_email(&args.email)?;
    let password = SecretString::from(args.password);
    let (portal, _) = state.client().await?;
    let session = password_sign_in(&portal, email.clone(), &password).await?;
    signed_in(&state, email.to_string(), session).await
}

async fn password_sign_in(
    portal: &Portal,
    email: cartable_core::Email,
    password: &SecretString,
) -> Result<Session> {
    let needs = plain(SignIn::new(email).start(portal).await)?;
    plain(needs.submit(portal, password).await)
}

// ---- reset and password change (§3) ----

/// "Mot de passe oublié?": sends the reset code (`reset_start`).
#[tauri::command]
pub async fn reset_start(state: State<'_, AppState>, args: Args<ResetStart>) -> Reply<ResetStart> {
    let email = parse_email(&args.email)?;
    start_reset(&state, email).await
}

/// Password change from Paramètres: the reset flow for the signed-in email
/// (`change_password_start`).
#[tauri::command]
pub async fn change_password_start(
    state: State<'_, AppState>,
    args: Args<ChangePasswordStart>,
) -> Reply<ChangePasswordStart> {
    let () = args;
    let signed = state.require_session().await?;
    start_reset(&state, parse_email(&signed.email)?).await
}

async fn start_reset(state: &AppState, email: cartable_core::Email) -> Result<CodeStep> {
    let (portal, _) = state.client().await?;
    let mut flow = state.flow().await;
    let sent = plain(Reset::new(email).start(&portal).await)?;
    Ok(record_code(&mut flow, FlowKind::Reset, sent, Pending::ResetCodeSent))
}

/// Sends a new reset code (`reset_resend`).
#[tauri::command]
pub async fn reset_resend(
    state: State<'_, AppState>,
    args: Args<ResetResend>,
) -> Reply<ResetResend> {
    let () = args;
    let (portal, _) = state.client().await?;
    let mut flow = state.flow().await;
    let (sent, original) = take(&mut flow, |p| match p {
        Pending::ResetCodeSent(s) => Ok(s),
        other => Err(other),
    })?;
    let sent = settle(&mut flow, original, sent.resend(&portal).await)?;
    Ok(record_code(&mut flow, FlowKind::Reset, sent, Pending::ResetCodeSent))
}

/// Checks the reset code (`reset_verify_code`).
#[tauri::command]
pub async fn reset_verify_code(
    state: State<'_, AppState>,
    args: Args<ResetVerifyCode>,
) -> Reply<ResetVerifyCode> {
    let (portal, _) = state.client().await?;
    let mut flow = state.flow().await;
    let (sent, original) = take(&mut flow, |p| match p {
        Pending::ResetCodeSent(s) => Ok(s),
        other => Err(other),
    })?;
    let code = parse_code(&args.code, &sent).inspect_err(|_| flow.restore(original.clone()))?;
    let needs = settle(&mut flow, original, sent.verify(&portal, &code).await)?;
    Ok(record_password(&mut flow, FlowKind::Reset, needs, Pending::ResetNeedsPassword))
}

/// Sets the new password and signs in (`reset_set_password`). A completed reset revokes every
/// refresh token of the account (`docs/contract.md §3`), so the new session replaces any other.
#[tauri::command]
pub async fn reset_set_password(
    state: State<'_, AppState>,
    args: Args<ResetSetPassword>,
) -> Reply<ResetSetPassword> {
    let password = checked_password(args.password)?;
    let (portal, _) = state.client().await?;
    let mut flow = state.flow().await;
    let (needs, original) = take(&mut flow, |p| match p {
        Pending::ResetNeedsPassword(n) => Ok(n),
        other => Err(other),
    })?;
    let email = needs.email().clone();
    let done = settle(&mut flow, original, needs.submit(&portal, &password).await)?;
    flow.clear();
    drop(flow);
    let session = match done.sign_in(&portal).await {
        Ok(Step::Next(session)) => session,
        // The reset is done; only the shortcut failed: sign in with the new password.
        _ => password_sign_in(&portal, email.clone(), &password).await?,
    };
    signed_in(&state, email.to_string(), session).await
}

/// Abandons the pending reset (`reset_cancel`).
#[tauri::command]
pub async fn reset_cancel(
    state: State<'_, AppState>,
    args: Args<ResetCancel>,
) -> Reply<ResetCancel> {
    let () = args;
    cancel(&mut state.flow().await, FlowKind::Reset);
    Ok(())
}

// ---- leaving ----

/// "Se déconnecter": revokes the refresh token (when the portal lists a revocation endpoint)
/// and deletes it from the keychain; the email stays for the next login (`sign_out`).
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>, args: Args<SignOut>) -> Reply<SignOut> {
    let () = args;
    let email = end_session(&state).await.or(state.stored_account().await.map(|a| a.email));
    state.apply_portal_choice().await;
    Ok(SignedOut { email })
}

/// "Oublier cet appareil": signs out, then deletes every keychain entry, the pending flow, the
/// settings and the demo portal's data (`forget_device`).
#[tauri::command]
pub async fn forget_device(
    state: State<'_, AppState>,
    args: Args<ForgetDevice>,
) -> Reply<ForgetDevice> {
    let () = args;
    end_session(&state).await;
    state.forget_everything().await;
    Ok(())
}

/// Deletes the account at the portal (`DELETE /api/v1/me`), then forgets this device
/// (`delete_account`).
#[tauri::command]
pub async fn delete_account(
    state: State<'_, AppState>,
    args: Args<DeleteAccount>,
) -> Reply<DeleteAccount> {
    let () = args;
    state.with_session(|s| async move { s.delete_account().await }).await?;
    state.forget_everything().await;
    Ok(())
}

/// Signs the session out at the portal (errors logged: it ends locally in every case) and
/// answers its email.
async fn end_session(state: &AppState) -> Option<String> {
    let signed = state.take_session().await?;
    if let Err(error) = signed.session.sign_out().await {
        log::warn!("sign-out could not reach the portal (the token is forgotten anyway): {error}");
    }
    Some(signed.email)
}

// ---- helpers ----

/// Keeps a new session as every sign-in does (keychain, rotations) and answers [`SignedIn`].
pub(crate) async fn signed_in(
    state: &AppState,
    email: String,
    session: Session,
) -> Result<SignedIn> {
    let persisted = state.adopt(&email, session).await;
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
    let with_email = |code: &str, email: &cartable_core::Email| {
        Error::from(Problem::new(code).with("email", email.as_str()))
    };
    match step {
        Step::Retry { reason, .. } => (true, retry_problem(&reason).into()),
        Step::Expired { email } => (false, flow_expired(email.as_str()).into()),
        Step::UserAlreadyExists { email } => {
            (false, with_email(codes::USER_ALREADY_EXISTS, &email))
        }
        Step::UserNotFound { email } => (false, with_email(codes::USER_NOT_FOUND, &email)),
        Step::Redirect { email } | Step::AttributesRequired { email, .. } => {
            (false, with_email(codes::REDIRECT_REQUIRED, &email))
        }
        _ => (true, Error::code(codes::PORTAL_ERROR)),
    }
}

/// Takes the pending state of the expected kind out of the flow; another kind (or none) is
/// `no_pending_flow` and stays in place.
fn take<T>(
    flow: &mut FlowGuard<'_>,
    pick: impl FnOnce(Pending) -> std::result::Result<T, Pending>,
) -> Result<(T, StoredPending)> {
    let stored = flow.take().ok_or(Error::NoPendingFlow)?;
    match pick(stored.flow.clone()) {
        Ok(state) => Ok((state, stored)),
        Err(_) => {
            flow.restore(stored);
            Err(Error::NoPendingFlow)
        }
    }
}

fn record_code<F: Flow>(
    flow: &mut FlowGuard<'_>,
    kind: FlowKind,
    sent: CodeSent<F>,
    wrap: fn(CodeSent<F>) -> Pending,
) -> CodeStep {
    let step = code_step(kind, &sent);
    flow.set(wrap(sent), step.expires_at);
    step
}

fn record_password<F: Flow>(
    flow: &mut FlowGuard<'_>,
    kind: FlowKind,
    needs: NeedsPassword<F>,
    wrap: fn(NeedsPassword<F>) -> Pending,
) -> PasswordStep {
    let step = PasswordStep {
        flow: kind,
        email: needs.email().to_string(),
        expires_at: now_unix() + CONTINUATION_SECONDS,
    };
    flow.set(wrap(needs), step.expires_at);
    step
}

fn code_step<F: Flow>(kind: FlowKind, sent: &CodeSent<F>) -> CodeStep {
    CodeStep {
        flow: kind,
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
    let (kind, email) = match &stored.flow {
        Pending::SignUpCodeSent(_) | Pending::SignUpNeedsPassword(_) => {
            (FlowKind::SignUp, stored.flow.email())
        }
        _ => (FlowKind::Reset, stored.flow.email()),
    };
    if now_unix() >= stored.expires_at {
        return FlowStep::Email { flow: kind, email: email.to_string() };
    }
    match &stored.flow {
        Pending::SignUpCodeSent(sent) => FlowStep::Code(code_step(kind, sent)),
        Pending::ResetCodeSent(sent) => FlowStep::Code(code_step(kind, sent)),
        _ => FlowStep::Password(PasswordStep {
            flow: kind,
            email: email.to_string(),
            expires_at: stored.expires_at,
        }),
    }
}

fn cancel(flow: &mut FlowGuard<'_>, kind: FlowKind) {
    let matches = flow.current().is_some_and(|stored| {
        let is_sign_up =
            matches!(stored.flow, Pending::SignUpCodeSent(_) | Pending::SignUpNeedsPassword(_));
        is_sign_up == (kind == FlowKind::SignUp)
    });
    if matches {
        flow.clear();
    }
}

fn parse_code<F: Flow>(input: &str, sent: &CodeSent<F>) -> Result<VerificationCode> {
    VerificationCode::parse(input, sent.code_length())
        .map_err(|e| Problem::from_tagged(&e).on_field("code").into())
}

/// The portal's password policy, checked before sending (`docs/contract.md §1`); the
/// failure's code is the portal's suberror, on field `password`.
fn checked_password(password: String) -> Result<SecretString> {
    PasswordPolicy::check(&password)
        .map_err(|e| Error::from(Problem::from_tagged(&e).on_field("password")))?;
    Ok(SecretString::from(password))
}
