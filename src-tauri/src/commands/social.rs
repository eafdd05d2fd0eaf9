//! Social sign-in in the system browser and linking the school email (`docs/contract.md §5`).
//!
//! `social_sign_in_start` opens the portal's authorize page in the system browser (through
//! [`SocialState`]'s opener: tauri-plugin-opener in the app, a stand-in in tests), waits for
//! the loopback callback at most [`DEFAULT_BROWSER_TIMEOUT`] or until `social_sign_in_cancel`,
//! then keeps the session exactly as a password sign-in does.

use std::{
    future::Future,
    sync::{Arc, Mutex, PoisonError},
};

use cartable_core::{
    Problem, VerificationCode,
    ipc::{
        LinkEmailChallenge, LinkEmailStart, LinkEmailVerify, SocialSignInCancel, SocialSignInStart,
        codes,
    },
};
use portal_client::{BrowserError, BrowserSignIn, DEFAULT_BROWSER_TIMEOUT, Provider};
use tauri::State;
use tokio::sync::oneshot;

use super::{Args, Reply, auth::signed_in};
use crate::{
    AppState,
    error::{Error, Result, flow_expired},
    state::{now_unix, parse_email},
};

/// Opens a URL in the system browser; the error is a short reason for the log.
pub type Opener = Arc<dyn Fn(&str) -> std::result::Result<(), String> + Send + Sync>;

/// Code length when no challenge of this launch gave one (`docs/contract.md §1` "Codes": 6).
const DEFAULT_CODE_LENGTH: usize = 6;

/// The browser flow's managed state: how to open the browser, the running attempt's cancel
/// switch, and the code length of the last email-link challenge.
pub struct SocialState {
    opener: Mutex<Opener>,
    cancel: Mutex<Option<oneshot::Sender<()>>>,
    link_code_length: Mutex<Option<(String, usize)>>,
}

impl Default for SocialState {
    /// Opens URLs with tauri-plugin-opener (the OS default browser).
    fn default() -> Self {
        let opener: Opener = Arc::new(|url| {
            tauri_plugin_opener::open_url(url, None::<&str>).map_err(|e| e.to_string())
        });
        Self {
            opener: Mutex::new(opener),
            cancel: Mutex::new(None),
            link_code_length: Mutex::new(None),
        }
    }
}

impl SocialState {
    /// Replaces the browser (tests follow the demo provider page with plain HTTP instead).
    pub fn set_opener(&self, opener: Opener) {
        *self.opener.lock().unwrap_or_else(PoisonError::into_inner) = opener;
    }

    fn opener(&self) -> Opener {
        Arc::clone(&self.opener.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Arms a new cancel switch; a previous attempt still waiting is cancelled (its sender is
    /// dropped).
    fn arm(&self) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        *self.cancel.lock().unwrap_or_else(PoisonError::into_inner) = Some(tx);
        rx
    }

    fn fire(&self) {
        if let Some(tx) = self.cancel.lock().unwrap_or_else(PoisonError::into_inner).take() {
            let _ = tx.send(());
        }
    }
}

/// The provider of a [`cartable_core::ipc::SOCIAL_PROVIDERS`] id.
///
/// # Errors
/// `invalid_setting` on field `provider` (`reason: unknown_provider`) for any other id.
pub fn provider(id: &str) -> Result<Provider> {
    match id {
        "google" => Ok(Provider::Google),
        "microsoft" => Ok(Provider::Microsoft),
        "facebook" => Ok(Provider::Facebook),
        "linkedin" => Ok(Provider::LinkedIn),
        "apple" => Ok(Provider::Apple),
        _ => Err(Problem::new(codes::INVALID_SETTING)
            .on_field("provider")
            .with("reason", "unknown_provider")
            .into()),
    }
}

/// A browser flow's failure as the UI's codes: `browser_cancelled`, `browser_timed_out`,
/// `browser_failed` (`params.error`: the portal's `error`, `state_mismatch` or
/// `nonce_mismatch`), the portal's own errors as usual, a listener failure `internal`.
pub fn browser_error(error: BrowserError) -> Error {
    let failed = |reason: &str| Problem::new(codes::BROWSER_FAILED).with("error", reason).into();
    match error {
        BrowserError::Cancelled => Error::code(codes::BROWSER_CANCELLED),
        BrowserError::TimedOut => Error::code(codes::BROWSER_TIMED_OUT),
        BrowserError::StateMismatch => failed("state_mismatch"),
        BrowserError::NonceMismatch => failed("nonce_mismatch"),
        BrowserError::Denied { error, .. } => failed(&error),
        BrowserError::Portal(error) => Error::Portal(error),
        other => Error::Internal(other.to_string()),
    }
}

/// "Continuer avec Google…" (`social_sign_in_start`): answers when the browser flow ends, and
/// brings the window back to the front once signed in.
#[tauri::command]
pub async fn social_sign_in_start<R: tauri::Runtime>(
    window: tauri::WebviewWindow<R>,
    state: State<'_, AppState>,
    social: State<'_, SocialState>,
    args: Args<SocialSignInStart>,
) -> Reply<SocialSignInStart> {
    let chosen = args.provider.as_deref().map(provider).transpose()?;
    let (portal, _) = state.client().await?;
    let cancelled = social.arm();
    let cancel = async move {
        let _ = cancelled.await;
    };
    let session = browser_session(&window, &portal, chosen, &social.opener(), cancel).await?;
    // The parent was in the browser: bring Cartable back to the front (best effort: a window
    // manager may refuse).
    if let Err(error) = window.set_focus() {
        log::debug!("cannot focus the window after the browser sign-in: {error}");
    }
    let me = session.me().await?;
    let email = me
        .email
        .or_else(|| me.emails.iter().find(|e| e.verified).map(|e| e.address.clone()))
        .or_else(|| me.emails.first().map(|e| e.address.clone()))
        .unwrap_or_default();
    signed_in(&state, email, session).await
}

/// Opens `opener` on the authorize URL of a new attempt and waits until the browser comes back
/// to the loopback listener (desktop, RFC 8252 §7.3), `cancel` or the timeout.
#[cfg(desktop)]
async fn browser_session<R: tauri::Runtime>(
    _window: &tauri::WebviewWindow<R>,
    portal: &portal_client::Portal,
    provider: Option<Provider>,
    opener: &Opener,
    cancel: impl Future<Output = ()>,
) -> Result<portal_client::Session> {
    let attempt = BrowserSignIn::start(portal, provider).await.map_err(browser_error)?;
    open_browser(opener, attempt.authorize_url())?;
    attempt.finish(cancel, DEFAULT_BROWSER_TIMEOUT).await.map_err(browser_error)
}

/// Mobile: the portal comes back to `ca.cartable.client:/oauth2redirect` (RFC 8252 §7.1), which
/// the OS hands to the app through tauri-plugin-deep-link (the scheme is declared under
/// `plugins.deep-link.mobile` in `tauri.conf.json`); the URLs it opens are passed to the attempt
/// until one is its redirect. Not built here: our machines cannot build mobile (TOOLCHAIN.md);
/// `BrowserSignIn::finish_from` itself is tested on desktop (portal-client `tests/browser.rs`).
#[cfg(mobile)]
async fn browser_session<R: tauri::Runtime>(
    window: &tauri::WebviewWindow<R>,
    portal: &portal_client::Portal,
    provider: Option<Provider>,
    opener: &Opener,
    cancel: impl Future<Output = ()>,
) -> Result<portal_client::Session> {
    use tauri::Listener as _;
    use tauri_plugin_deep_link::DeepLinkExt as _;
    let attempt = BrowserSignIn::start_app_link(portal, provider).map_err(browser_error)?;
    let (opened, returned) = tokio::sync::mpsc::channel(4);
    let listening = window.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            let _ = opened.try_send(url);
        }
    });
    let outcome = match open_browser(opener, attempt.authorize_url()) {
        Ok(()) => attempt
            .finish_from(returned, cancel, DEFAULT_BROWSER_TIMEOUT)
            .await
            .map_err(browser_error),
        Err(error) => Err(error),
    };
    window.unlisten(listening);
    outcome
}

/// Hands `url` to the system browser.
///
/// # Errors
/// `browser_failed` with `error: no_browser` when the opener fails (the reason is logged).
fn open_browser(opener: &Opener, url: &url::Url) -> Result<()> {
    opener(url.as_str()).map_err(|reason| {
        log::warn!("cannot open the system browser: {reason}");
        Error::from(Problem::new(codes::BROWSER_FAILED).with("error", "no_browser"))
    })
}

/// "Annuler" (`social_sign_in_cancel`); nothing running is not an error.
#[tauri::command]
pub async fn social_sign_in_cancel(
    social: State<'_, SocialState>,
    args: Args<SocialSignInCancel>,
) -> Reply<SocialSignInCancel> {
    let () = args;
    social.fire();
    Ok(())
}

/// "Lier le courriel donné à l'école", step 1 (`link_email_start`): emails a code to `email`.
#[tauri::command]
pub async fn link_email_start(
    state: State<'_, AppState>,
    social: State<'_, SocialState>,
    args: Args<LinkEmailStart>,
) -> Reply<LinkEmailStart> {
    let email = parse_email(&args.email)?;
    let to = email.clone();
    let challenge = state
        .with_session(|s| async move { s.add_email(&to).await })
        .await
        .map_err(|e| link_error(e, email.as_str()))?;
    *social.link_code_length.lock().unwrap_or_else(PoisonError::into_inner) =
        Some((email.to_string(), challenge.code_length));
    Ok(LinkEmailChallenge {
        email: email.to_string(),
        target_label: challenge.challenge_target_label,
        code_length: u8::try_from(challenge.code_length).unwrap_or(u8::MAX),
        resend_available_at: now_unix() + i64::try_from(challenge.interval).unwrap_or(i64::MAX),
    })
}

/// Step 2 (`link_email_verify`): proves the email with its code (pasted text tolerated).
#[tauri::command]
pub async fn link_email_verify(
    state: State<'_, AppState>,
    social: State<'_, SocialState>,
    args: Args<LinkEmailVerify>,
) -> Reply<LinkEmailVerify> {
    let email = parse_email(&args.email)?;
    let length =
        match social.link_code_length.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            Some((linked, length)) if linked == email.as_str() => *length,
            _ => DEFAULT_CODE_LENGTH,
        };
    let code = VerificationCode::parse(&args.code, length)
        .map_err(|e| Error::from(Problem::from_tagged(&e).on_field("code")))?;
    let to = email.clone();
    state
        .with_session(|s| async move { s.verify_email(&to, &code).await })
        .await
        .map_err(|e| link_error(e, email.as_str()))
}

/// The linking refusals of `docs/contract.md §5` as the UI's codes: `invalid_code` on
/// `code` (with `attempts_left`), `code_expired` as `flow_expired` with the email,
/// `email_in_use` on `email`, throttling with `retry_after`; the rest as any portal error.
fn link_error(error: Error, email: &str) -> Error {
    let Error::Portal(portal_client::Error::Portal(refusal)) = &error else { return error };
    let with_limits = |mut problem: Problem| {
        if let Some(left) = refusal.attempts_left {
            problem = problem.with("attempts_left", left);
        }
        if let Some(wait) = refusal.retry_after {
            problem = problem.with("retry_after", wait.as_secs());
        }
        Error::from(problem)
    };
    match refusal.code.as_str() {
        codes::INVALID_CODE => with_limits(Problem::new(codes::INVALID_CODE).on_field("code")),
        "code_expired" => flow_expired(email).into(),
        codes::EMAIL_IN_USE => Problem::new(codes::EMAIL_IN_USE).on_field("email").into(),
        codes::THROTTLED | codes::CODE_SENDS_EXCEEDED | codes::CODE_ATTEMPTS_EXCEEDED => {
            let mut problem = Problem::new(refusal.code.clone());
            problem = problem.with("retry_after", refusal.retry_after.map_or(60, |w| w.as_secs()));
            problem.into()
        }
        _ => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_id_is_known_and_nothing_else() {
        for id in cartable_core::ipc::SOCIAL_PROVIDERS {
            assert!(provider(id).is_ok(), "{id}");
        }
        let unknown = provider("myspace").expect_err("unknown").problem();
        assert_eq!(
            (unknown.code.as_str(), unknown.field.as_deref()),
            ("invalid_setting", Some("provider"))
        );
    }

    #[test]
    fn browser_failures_are_shell_codes() {
        let cases = [
            (BrowserError::Cancelled, "browser_cancelled"),
            (BrowserError::TimedOut, "browser_timed_out"),
            (BrowserError::StateMismatch, "browser_failed"),
            (BrowserError::NonceMismatch, "browser_failed"),
            (
                BrowserError::Denied { error: "access_denied".into(), description: None },
                "browser_failed",
            ),
        ];
        for (error, code) in cases {
            let problem = browser_error(error).problem();
            assert_eq!(problem.code, code);
            assert!(crate::error::is_shell_code(&problem.code));
        }
        let denied = browser_error(BrowserError::Denied {
            error: "access_denied".into(),
            description: Some("cancelled".into()),
        });
        assert_eq!(denied.problem().params.get("error"), Some(&serde_json::json!("access_denied")));
    }
}
