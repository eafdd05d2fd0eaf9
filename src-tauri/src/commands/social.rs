//! Social sign-in in the system browser and linking the school email (`docs/contract.md §5`).
//!
//! `social_sign_in_start` asks the system browser to open the portal's authorize page (through
//! [`SocialState`]'s opener: tauri-plugin-opener in the app, a stand-in in tests), then waits
//! for the loopback callback at most [`DEFAULT_BROWSER_TIMEOUT`] or until
//! `social_sign_in_cancel`, and keeps the session exactly as a password sign-in does.
//!
//! The system browser may fail (no handler, a handler that fails, an AppImage environment) or
//! open nothing at all; the attempt keeps waiting regardless. While it waits, its address is
//! offered to the parent (`social_sign_in_link`): "Copier le lien" puts it on the clipboard
//! with tauri-plugin-clipboard-manager's Rust API (`social_sign_in_copy_link`; the webview has
//! no clipboard permission), "Ouvrir de nouveau" asks the browser again for the same attempt
//! (`social_sign_in_reopen`).

use std::{
    future::Future,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use cartable_core::{
    AppError, Failure, VerificationCode,
    ipc::{
        BrowserLink, LinkEmailChallenge, LinkEmailStart, LinkEmailVerify, SocialSignInCancel,
        SocialSignInCopyLink, SocialSignInLink, SocialSignInReopen, SocialSignInStart,
    },
};
use portal_client::{
    BrowserError, BrowserSignIn, DEFAULT_BROWSER_TIMEOUT, ProblemCode, Provider, RefusalCode,
};
use tauri::State;
use tokio::sync::{oneshot, watch};

use super::{Args, CommandResult, auth::signed_in};
use crate::{
    AppState,
    error::{Error, Result, flow_expired},
    state::{now_unix, parse_email},
};

/// Opens a URL in the system browser; the error is a short reason for the log.
pub type Opener = Arc<dyn Fn(&str) -> std::result::Result<(), String> + Send + Sync>;

/// Puts text on the clipboard; the error is a short reason for the log.
pub type Copier = Arc<dyn Fn(&str) -> std::result::Result<(), String> + Send + Sync>;

/// Code length when no challenge of this launch gave one (`docs/contract.md §1` "Codes": 6).
const DEFAULT_CODE_LENGTH: usize = 6;

/// How long `social_sign_in_link` waits for the running attempt's address before answering
/// `None` (the UI asks again while its attempt runs; the first launch may still be starting
/// the embedded portal).
const LINK_WAIT: Duration = Duration::from_secs(10);

/// The address of the attempt waiting for the browser.
#[derive(Debug, Clone)]
struct Shown {
    /// Which attempt (so a finished attempt never hides a newer one's address).
    attempt: u64,
    url: url::Url,
    open_failed: bool,
}

impl Shown {
    fn link(&self) -> BrowserLink {
        BrowserLink { url: self.url.to_string(), open_failed: self.open_failed }
    }
}

/// The browser flow's managed state: how to open the browser and write the clipboard, how long
/// an attempt waits, the running attempt's cancel switch and address, and the code length of
/// the last email-link challenge.
pub struct SocialState {
    opener: Mutex<Opener>,
    copier: Mutex<Option<Copier>>,
    timeout: Mutex<Duration>,
    cancel: Mutex<Option<oneshot::Sender<()>>>,
    shown: watch::Sender<Option<Shown>>,
    attempts: AtomicU64,
    link_code_length: Mutex<Option<(String, usize)>>,
}

impl Default for SocialState {
    /// Opens URLs with tauri-plugin-opener (the OS default browser), copies with the app's
    /// tauri-plugin-clipboard-manager, waits [`DEFAULT_BROWSER_TIMEOUT`].
    fn default() -> Self {
        let opener: Opener = Arc::new(|url| {
            tauri_plugin_opener::open_url(url, None::<&str>).map_err(|e| e.to_string())
        });
        Self {
            opener: Mutex::new(opener),
            copier: Mutex::new(None),
            timeout: Mutex::new(DEFAULT_BROWSER_TIMEOUT),
            cancel: Mutex::new(None),
            shown: watch::Sender::new(None),
            attempts: AtomicU64::new(0),
            link_code_length: Mutex::new(None),
        }
    }
}

impl SocialState {
    /// Replaces the browser (tests follow the demo provider page with plain HTTP instead).
    pub fn set_opener(&self, opener: Opener) {
        *self.opener.lock().unwrap_or_else(PoisonError::into_inner) = opener;
    }

    /// Replaces the clipboard (tests have no display, and the mock app no clipboard plugin).
    pub fn set_copier(&self, copier: Copier) {
        *self.copier.lock().unwrap_or_else(PoisonError::into_inner) = Some(copier);
    }

    /// Changes how long an attempt waits for the browser (tests of the timeout).
    pub fn set_timeout(&self, timeout: Duration) {
        *self.timeout.lock().unwrap_or_else(PoisonError::into_inner) = timeout;
    }

    fn opener(&self) -> Opener {
        Arc::clone(&self.opener.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn copier(&self) -> Option<Copier> {
        self.copier.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn timeout(&self) -> Duration {
        *self.timeout.lock().unwrap_or_else(PoisonError::into_inner)
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

    /// Asks the system browser to open `url`, then offers the address until the returned guard
    /// is dropped (when the attempt ends, however it ends).
    async fn present(&self, url: &url::Url) -> Presented<'_> {
        let open_failed = !open_browser(self.opener(), url).await;
        let attempt = self.attempts.fetch_add(1, Ordering::Relaxed) + 1;
        self.shown.send_replace(Some(Shown { attempt, url: url.clone(), open_failed }));
        Presented { social: self, attempt }
    }

    /// The address of the attempt waiting for the browser, if any.
    fn shown(&self) -> Option<Shown> {
        self.shown.borrow().clone()
    }

    /// Waits at most `wait` for an attempt's address.
    async fn wait_shown(&self, wait: Duration) -> Option<Shown> {
        let mut shown = self.shown.subscribe();
        let found = tokio::time::timeout(wait, shown.wait_for(Option::is_some)).await;
        found.ok()?.ok()?.clone()
    }

    /// Records whether the browser opened attempt `attempt`'s address when asked again;
    /// `None` when that attempt has ended meanwhile.
    fn reopened(&self, attempt: u64, open_failed: bool) -> Option<Shown> {
        let mut updated = None;
        self.shown.send_if_modified(|shown| match shown {
            Some(current) if current.attempt == attempt => {
                current.open_failed = open_failed;
                updated = Some(current.clone());
                true
            }
            _ => false,
        });
        updated
    }
}

/// An attempt's address on offer; withdrawn on drop, unless a newer attempt replaced it.
struct Presented<'a> {
    social: &'a SocialState,
    attempt: u64,
}

impl Drop for Presented<'_> {
    fn drop(&mut self) {
        self.social.shown.send_if_modified(|shown| {
            let mine = shown.as_ref().is_some_and(|s| s.attempt == self.attempt);
            if mine {
                *shown = None;
            }
            mine
        });
    }
}

/// A browser flow's failure as the UI's codes: `browser_cancelled`, `browser_timed_out`,
/// `browser_failed` (`params.error`: the portal's `error`, `state_mismatch` or
/// `nonce_mismatch`), the portal's own errors as usual, a listener failure `internal`.
pub fn browser_error(error: BrowserError) -> Error {
    let failed = |reason: &str| Failure::BrowserFailed { error: Some(reason.to_owned()) }.into();
    match error {
        BrowserError::Cancelled => Failure::BrowserCancelled.into(),
        BrowserError::TimedOut => Failure::BrowserTimedOut.into(),
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
) -> CommandResult<SocialSignInStart> {
    let chosen = args.provider;
    let (portal, _) = state.client().await?;
    let cancelled = social.arm();
    let cancel = async move {
        let _ = cancelled.await;
    };
    let session = browser_session(&window, &portal, chosen, &social, cancel).await?;
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

/// Asks the system browser to open the authorize URL of a new attempt and waits until the
/// browser comes back to the loopback listener (desktop, RFC 8252 §7.3), `cancel` or the
/// timeout, whether the browser opened or not (the address is on offer meanwhile).
#[cfg(desktop)]
async fn browser_session<R: tauri::Runtime>(
    _window: &tauri::WebviewWindow<R>,
    portal: &portal_client::Portal,
    provider: Option<Provider>,
    social: &SocialState,
    cancel: impl Future<Output = ()>,
) -> Result<portal_client::Session> {
    let attempt = BrowserSignIn::start(portal, provider).await.map_err(browser_error)?;
    let _offered = social.present(attempt.authorize_url()).await;
    attempt.finish(cancel, social.timeout()).await.map_err(browser_error)
}

/// Mobile: the portal comes back to `ca.cartable.client:/oauth2redirect` (RFC 8252 §7.1), which
/// the OS hands to the app through tauri-plugin-deep-link (the scheme is declared under
/// `plugins.deep-link.mobile` in `tauri.conf.json`); the URLs it opens are passed to the attempt
/// until one is its redirect. Not built here: our machines have no Android NDK or Xcode (README, platform table);
/// `BrowserSignIn::finish_from` itself is tested on desktop (portal-client `tests/browser.rs`).
#[cfg(mobile)]
async fn browser_session<R: tauri::Runtime>(
    window: &tauri::WebviewWindow<R>,
    portal: &portal_client::Portal,
    provider: Option<Provider>,
    social: &SocialState,
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
    let offered = social.present(attempt.authorize_url()).await;
    let outcome =
        attempt.finish_from(returned, cancel, social.timeout()).await.map_err(browser_error);
    drop(offered);
    window.unlisten(listening);
    outcome
}

/// Hands `url` to the system browser (off the async threads: the opener waits a moment for
/// the launcher's exit status); false when it reported a failure (the reason is logged).
async fn open_browser(opener: Opener, url: &url::Url) -> bool {
    let target = url.to_string();
    match tauri::async_runtime::spawn_blocking(move || opener(&target)).await {
        Ok(Ok(())) => true,
        Ok(Err(reason)) => {
            log::warn!("the system browser did not open the sign-in page: {reason}");
            false
        }
        Err(error) => {
            log::warn!("the system browser opener stopped: {error}");
            false
        }
    }
}

/// "Annuler" (`social_sign_in_cancel`); nothing running is not an error.
#[tauri::command]
pub async fn social_sign_in_cancel(
    social: State<'_, SocialState>,
    args: Args<SocialSignInCancel>,
) -> CommandResult<SocialSignInCancel> {
    let () = args;
    social.fire();
    Ok(())
}

/// The waiting attempt's address (`social_sign_in_link`), once the system browser was asked to
/// open it; `None` after [`LINK_WAIT`] without one.
#[tauri::command]
pub async fn social_sign_in_link(
    social: State<'_, SocialState>,
    args: Args<SocialSignInLink>,
) -> CommandResult<SocialSignInLink> {
    let () = args;
    Ok(social.wait_shown(LINK_WAIT).await.as_ref().map(Shown::link))
}

/// "Ouvrir de nouveau" (`social_sign_in_reopen`): the same address, the same attempt (its
/// listener keeps waiting); `None` when none waits.
#[tauri::command]
pub async fn social_sign_in_reopen(
    social: State<'_, SocialState>,
    args: Args<SocialSignInReopen>,
) -> CommandResult<SocialSignInReopen> {
    let () = args;
    let Some(shown) = social.shown() else { return Ok(None) };
    let opened = open_browser(social.opener(), &shown.url).await;
    Ok(social.reopened(shown.attempt, !opened).as_ref().map(Shown::link))
}

/// "Copier le lien" (`social_sign_in_copy_link`): the waiting attempt's address on the
/// clipboard, written by the shell (never text from the webview); `None` when none waits.
///
/// # Errors
/// `clipboard_unavailable` when the clipboard cannot be written (the reason is logged).
#[tauri::command]
pub async fn social_sign_in_copy_link<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    social: State<'_, SocialState>,
    args: Args<SocialSignInCopyLink>,
) -> CommandResult<SocialSignInCopyLink> {
    let () = args;
    let Some(shown) = social.shown() else { return Ok(None) };
    let text = shown.url.to_string();
    let copier = social.copier();
    let written = tauri::async_runtime::spawn_blocking(move || match copier {
        Some(copier) => copier(&text),
        None => write_clipboard(&app, &text),
    })
    .await
    .unwrap_or_else(|error| Err(error.to_string()));
    if let Err(reason) = written {
        log::warn!("cannot copy the sign-in address: {reason}");
        return Err(Failure::ClipboardUnavailable.into());
    }
    Ok(Some(shown.link()))
}

/// Writes `text` with tauri-plugin-clipboard-manager, registered by the app (not by the mock
/// app of the tests).
fn write_clipboard<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    text: &str,
) -> std::result::Result<(), String> {
    use tauri::Manager as _;
    let clipboard = app
        .try_state::<tauri_plugin_clipboard_manager::Clipboard<R>>()
        .ok_or("the clipboard plugin is not registered")?;
    clipboard.write_text(text).map_err(|e| e.to_string())
}

/// "Lier le courriel donné à l'école", step 1 (`link_email_start`): emails a code to `email`.
#[tauri::command]
pub async fn link_email_start(
    state: State<'_, AppState>,
    social: State<'_, SocialState>,
    args: Args<LinkEmailStart>,
) -> CommandResult<LinkEmailStart> {
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
) -> CommandResult<LinkEmailVerify> {
    let email = parse_email(&args.email)?;
    let length =
        match social.link_code_length.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            Some((linked, length)) if linked == email.as_str() => *length,
            _ => DEFAULT_CODE_LENGTH,
        };
    let code = VerificationCode::parse(args.code.expose(), length)
        .map_err(|e| Error::from(AppError::from(e)))?;
    let to = email.clone();
    state
        .with_session(|s| async move { s.verify_email(&to, &code).await })
        .await
        .map_err(|e| link_error(e, email.as_str()))
}

/// The linking refusals of `docs/contract.md §5` as the UI shows them: `code_expired` as
/// `flow_expired` with the email (the code step starts again); the others (`invalid_code` on
/// `code`, `email_in_use` on `email`, throttling) as any parent-API refusal.
fn link_error(error: Error, email: &str) -> Error {
    match &error {
        Error::Portal(portal_client::Error::Portal(refusal))
            if refusal.code == RefusalCode::Api(ProblemCode::CodeExpired) =>
        {
            flow_expired(email).into()
        }
        _ => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_failures_have_their_codes() {
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
            assert_eq!(browser_error(error).app_error().code(), code);
        }
        let denied = browser_error(BrowserError::Denied {
            error: "access_denied".into(),
            description: Some("cancelled".into()),
        });
        assert_eq!(
            denied.app_error().kind,
            Failure::BrowserFailed { error: Some("access_denied".into()) }.into()
        );
    }
}
