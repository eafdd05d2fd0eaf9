//! Signing in through the system browser (`docs/contract.md §5`): the social buttons, and the
//! web fallback the portal asks for with `redirect_required` (native-auth `challenge_type:
//! redirect`, §0). One attempt at a time; while the browser is open the screen says so and
//! offers "Annuler".
//!
//! The system browser may fail or open nothing: the card then offers the sign-in
//! address in a read-only field with "Copier le lien" (the shell writes the clipboard) and
//! "Ouvrir de nouveau", at once when the shell reports that the browser failed, after
//! [`LINK_DELAY_SECS`] otherwise. The attempt keeps waiting meanwhile; when it times out,
//! "Réessayer" starts it again.

// `#[component(inline_props)]` generates prop structs whose fields cannot carry docs.
#![allow(missing_docs)]

use cartable_core::ipc::{
    BrowserLink, SocialArgs, SocialSignInCancel, SocialSignInCopyLink, SocialSignInLink,
    SocialSignInReopen, SocialSignInStart,
};
use cartable_core::{AppError, ErrorKind, Failure, Provider};
use std::future::Future;

use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use crate::components::clock::use_clock;
use crate::dates::now_unix;
use crate::i18n::{Tr, use_i18n};
use crate::ipc;
use crate::routes::{AppRoute, go};
use crate::state::{UiState, use_app};

/// Seconds after which the sign-in address is offered although the system browser reported no
/// failure: it may still have opened nothing (a handler that fails quietly, a window hidden
/// behind Cartable).
pub const LINK_DELAY_SECS: i64 = 4;

/// What the screen shows after an attempt that did not sign in: nothing after "Annuler" (the
/// parent chose it), the problem otherwise.
pub fn shown_error(problem: AppError) -> Option<AppError> {
    (problem.kind != Failure::BrowserCancelled.into()).then_some(problem)
}

/// Whether a failed attempt offers "Réessayer": the browser did not come back in time, so the
/// same sign-in may simply be started again.
pub fn offers_retry(problem: &AppError) -> bool {
    problem.kind == Failure::BrowserTimedOut.into()
}

/// The running attempt's address as the shell gave it, and from when it is offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownLink {
    /// The address and whether the system browser reported a failure.
    pub link: BrowserLink,
    /// From this Unix second on, the card offers the address.
    pub offer_at: i64,
}

impl ShownLink {
    /// The address received at `now`: offered at once when the browser failed, after
    /// [`LINK_DELAY_SECS`] otherwise.
    pub fn new(link: BrowserLink, now: i64) -> Self {
        let offer_at = if link.open_failed { now } else { now + LINK_DELAY_SECS };
        Self { link, offer_at }
    }

    /// Whether the card offers the address at `now`.
    pub fn offered(&self, now: i64) -> bool {
        now >= self.offer_at
    }

    /// After "Ouvrir de nouveau" at `now`: the shell's new answer; the address stays offered.
    pub fn reopened(&mut self, link: BrowserLink, now: i64) {
        self.offer_at = self.offer_at.min(now);
        self.link = link;
    }
}

/// What the last "Copier le lien" or "Ouvrir de nouveau" did, said under the buttons.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkNotice {
    /// The address is on the clipboard.
    Copied,
    /// The clipboard could not be written (`clipboard_unavailable`).
    NotCopied(AppError),
    /// The system browser was asked again and reported no failure.
    Reopened,
    /// The system browser was asked again and failed again.
    StillNotOpened,
}

impl LinkNotice {
    /// The notice after "Ouvrir de nouveau" answered `link`.
    pub fn after_reopen(link: &BrowserLink) -> Self {
        if link.open_failed { Self::StillNotOpened } else { Self::Reopened }
    }

    /// The message key of a notice that is not a problem.
    pub fn key(&self) -> Option<&'static str> {
        match self {
            Self::Copied => Some("browser-link-copied"),
            Self::Reopened => Some("browser-reopened"),
            Self::StillNotOpened => Some("browser-reopen-failed"),
            Self::NotCopied(_) => None,
        }
    }
}

/// One screen's browser sign-in: whether the browser is open, its address, and the last
/// failure.
///
/// Its tasks (the sign-in call, asking for the address, copying, opening again) run in the
/// scope of the component that created it, not in the scope of the button that was clicked: a
/// button re-rendered meanwhile (the language switched, the portal's providers arrived) must not
/// cancel the wait, or the sign-in's answer would be lost.
#[derive(Clone, Copy)]
pub struct BrowserAttempt {
    /// The browser is open and the app waits for it.
    pub waiting: Signal<bool>,
    /// Why the last attempt did not sign in (never "Annuler").
    pub error: Signal<Option<AppError>>,
    /// The running attempt's address, once the shell gave it.
    pub link: Signal<Option<ShownLink>>,
    /// What the last "Copier le lien" or "Ouvrir de nouveau" did.
    pub notice: Signal<Option<LinkNotice>>,
    /// The provider of the last attempt, for "Réessayer".
    provider: Signal<Option<Provider>>,
    app: UiState,
    /// The creating component's scope, where the tasks run.
    scope: NodeHandle,
}

impl std::fmt::Debug for BrowserAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserAttempt")
            .field("waiting", &self.waiting)
            .field("error", &self.error)
            .field("link", &self.link)
            .finish_non_exhaustive()
    }
}

impl BrowserAttempt {
    /// No attempt yet. Call it while building a component (it reads the app's context).
    pub fn new() -> Self {
        Self {
            waiting: create_signal(false),
            error: create_signal(None),
            link: create_signal(None),
            notice: create_signal(None),
            provider: create_signal(None),
            app: use_app(),
            scope: use_current_scope(),
        }
    }

    /// Runs `task` for as long as the creating component lives.
    fn spawn(self, task: impl Future<Output = ()> + 'static) {
        self.scope.run_in(|| spawn_local_scoped(task));
    }

    /// Opens the browser on `provider` (`None`: the portal's own
    /// page) and, once signed in, opens "Mes enfants". Meanwhile asks the shell for the
    /// attempt's address. Does nothing while an attempt runs.
    pub fn start(self, provider: Option<Provider>) {
        if self.waiting.get() {
            return;
        }
        let app = self.app;
        self.provider.set(provider);
        self.error.set(None);
        self.link.set(None);
        self.notice.set(None);
        self.waiting.set(true);
        self.spawn(async move {
            let args = SocialArgs { provider };
            let result = ipc::call::<SocialSignInStart>(&args).await;
            self.waiting.set(false);
            self.link.set(None);
            self.notice.set(None);
            match result {
                Ok(signed) => {
                    app.signed_in(signed.email, signed.persisted);
                    go(&AppRoute::Children);
                }
                Err(problem) => self.error.set(shown_error(problem)),
            }
        });
        self.spawn(async move { self.fetch_link().await });
    }

    /// "Réessayer": the last attempt's sign-in again.
    pub fn retry(self) {
        self.start(self.provider.get());
    }

    /// Asks the shell for the running attempt's address until it has one (the shell waits a
    /// few seconds per call) or the attempt ends.
    async fn fetch_link(self) {
        while self.waiting.get_untracked() && self.link.with_untracked(Option::is_none) {
            match ipc::call::<SocialSignInLink>(&()).await {
                Ok(Some(link)) => {
                    if self.waiting.get_untracked() {
                        self.link.set(Some(ShownLink::new(link, now_unix())));
                    }
                    return;
                }
                Ok(None) => {}
                Err(_) => return,
            }
        }
    }

    /// "Copier le lien": the shell puts the address on the clipboard.
    pub fn copy(self) {
        self.spawn(async move {
            let notice = match ipc::call::<SocialSignInCopyLink>(&()).await {
                Ok(Some(_)) => Some(LinkNotice::Copied),
                Ok(None) => None,
                Err(problem) => Some(LinkNotice::NotCopied(problem)),
            };
            if self.waiting.get_untracked() {
                self.notice.set(notice);
            }
        });
    }

    /// "Ouvrir de nouveau": the shell asks the system browser again, same attempt.
    pub fn reopen(self) {
        self.notice.set(None);
        self.spawn(async move {
            let Ok(Some(link)) = ipc::call::<SocialSignInReopen>(&()).await else { return };
            if self.waiting.get_untracked() {
                self.notice.set(Some(LinkNotice::after_reopen(&link)));
                let now = now_unix();
                self.link.update(|shown| match shown {
                    Some(shown) => shown.reopened(link, now),
                    None => *shown = Some(ShownLink::new(link, now)),
                });
            }
        });
    }

    /// "Annuler": ends the running attempt (the shell answers it with `browser_cancelled`).
    pub fn cancel(self) {
        self.spawn(async move {
            let _ = ipc::call::<SocialSignInCancel>(&()).await;
        });
    }
}

impl Default for BrowserAttempt {
    fn default() -> Self {
        Self::new()
    }
}

/// The attempt's status: the waiting card while the browser is open, the failure after (with
/// "Réessayer" after a timeout), nothing otherwise. Announced politely.
#[component(inline_props)]
pub fn BrowserStatus(attempt: BrowserAttempt) -> View {
    let i18n = use_i18n();
    view! {
        div(aria-live="polite") {
            (if attempt.waiting.get() {
                view! { WaitingCard(attempt=attempt) }
            } else {
                match attempt.error.get_clone() {
                    Some(problem) => {
                        let text = i18n.error(&problem);
                        let retry = offers_retry(&problem);
                        view! {
                            div(class="alert error-box", role="alert") {
                                p { (text) }
                                (if retry {
                                    view! {
                                        button(r#type="button", class="button secondary", id="browser-retry",
                                            on:click=move |_| attempt.retry()) {
                                            (Tr { key: "common-retry" })
                                        }
                                    }
                                } else {
                                    view! {}
                                })
                            }
                        }
                    }
                    None => view! {},
                }
            })
        }
    }
}

/// "Poursuivez dans votre navigateur…" (or "Le navigateur ne s'est pas ouvert."), then, once
/// offered, the sign-in address with "Copier le lien", "Ouvrir de nouveau" and "Annuler".
#[component(inline_props)]
fn WaitingCard(attempt: BrowserAttempt) -> View {
    let now = use_clock();
    let offered = create_selector(move || {
        attempt.link.with(|l| l.as_ref().is_some_and(|l| l.offered(now.get())))
    });
    let failed = create_selector(move || {
        attempt.link.with(|l| l.as_ref().is_some_and(|l| l.link.open_failed))
    });
    view! {
        div(class="alert info-box browser-waiting", role="status") {
            (if failed.get() {
                view! {
                    p { strong { (Tr { key: "browser-not-opened" }) } }
                    p { (Tr { key: "browser-not-opened-hint" }) }
                }
            } else {
                view! {
                    p { strong { (Tr { key: "login-social-waiting" }) } }
                    p { (Tr { key: "login-social-waiting-hint" }) }
                }
            })
            (if offered.get() {
                view! { LinkOffer(attempt=attempt, failed=failed) }
            } else {
                view! {
                    button(r#type="button", class="button secondary", on:click=move |_| attempt.cancel()) {
                        (Tr { key: "common-cancel" })
                    }
                }
            })
        }
    }
}

/// The offered address: the read-only field and its buttons, then what the last button did.
/// Scrolled into view when it appears (it may sit below the window's edge).
#[component(inline_props)]
fn LinkOffer(attempt: BrowserAttempt, failed: ReadSignal<bool>) -> View {
    let node = create_node_ref();
    reveal_on_mount(node);
    let url =
        move || attempt.link.with(|l| l.as_ref().map(|l| l.link.url.clone()).unwrap_or_default());
    let notice = move || match attempt.notice.get_clone() {
        Some(notice) => view! { NoticeLine(notice=notice) },
        None => view! {},
    };
    view! {
        div(class="browser-link", r#ref=node) {
            (if failed.get() {
                view! {}
            } else {
                view! { p { (Tr { key: "browser-link-intro" }) } }
            })
            label(r#for="browser-link") { (Tr { key: "browser-link-label" }) }
            input(id="browser-link", r#type="url", readonly=true, autocomplete="off", dir="ltr",
                prop:value=url, on:focus=select_all)
            div(class="actions") {
                button(r#type="button", class="button primary", id="browser-link-copy",
                    on:click=move |_| attempt.copy()) {
                    (Tr { key: "browser-link-copy" })
                }
                button(r#type="button", class="button secondary", id="browser-reopen",
                    on:click=move |_| attempt.reopen()) {
                    (Tr { key: "browser-reopen" })
                }
                button(r#type="button", class="button secondary", on:click=move |_| attempt.cancel()) {
                    (Tr { key: "common-cancel" })
                }
            }
            (notice)
        }
    }
}

/// What "Copier le lien" or "Ouvrir de nouveau" did, scrolled into view when it appears.
#[component(inline_props)]
fn NoticeLine(notice: LinkNotice) -> View {
    let i18n = use_i18n();
    let node = create_node_ref();
    reveal_on_mount(node);
    match notice {
        LinkNotice::NotCopied(problem) => {
            let text = move || i18n.error(&problem);
            view! { p(class="error", id="browser-link-notice", r#ref=node) { (text) } }
        }
        notice => {
            let key = notice.key().unwrap_or_default();
            view! { p(class="hint", id="browser-link-notice", r#ref=node) { (i18n.t(key)) } }
        }
    }
}

/// Once mounted, scrolls `node` into view, as little as needed.
fn reveal_on_mount(node: NodeRef) {
    on_mount(move || {
        #[cfg(target_arch = "wasm32")]
        {
            use wasm_bindgen::JsCast;
            if let Some(element) =
                node.try_get().and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            {
                let options = web_sys::ScrollIntoViewOptions::new();
                options.set_block(web_sys::ScrollLogicalPosition::Nearest);
                element.scroll_into_view_with_scroll_into_view_options(&options);
            }
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = node;
    });
}

/// Focusing the address selects all of it, ready to copy by hand.
fn select_all(event: web_sys::FocusEvent) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        if let Some(input) =
            event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.select();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = event;
}

/// The web fallback: when `top` holds `redirect_required`, "Continuer dans le navigateur" opens
/// the portal's own sign-in page in the system browser; nothing otherwise.
#[component(inline_props)]
pub fn BrowserFallback(top: Signal<Option<AppError>>) -> View {
    let attempt = BrowserAttempt::new();
    let asked = move || {
        top.with(|t| {
            t.as_ref().is_some_and(|p| {
                matches!(p.kind, ErrorKind::Failure(Failure::RedirectRequired { .. }))
            })
        })
    };
    view! {
        (if asked() {
            view! {
                div(class="browser-fallback") {
                    button(r#type="button", class="button", id="browser-fallback",
                        disabled=move || attempt.waiting.get(), on:click=move |_| attempt.start(None)) {
                        (Tr { key: "browser-fallback-continue" })
                    }
                    BrowserStatus(attempt=attempt)
                }
            }
        } else {
            view! {}
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(open_failed: bool) -> BrowserLink {
        BrowserLink { url: "http://127.0.0.1:1/auth/oauth2/v2.0/authorize?x".into(), open_failed }
    }

    #[test]
    fn the_address_is_offered_at_once_when_the_browser_failed_later_otherwise() {
        let failed = ShownLink::new(link(true), 100);
        assert!(failed.offered(100));
        let quiet = ShownLink::new(link(false), 100);
        assert!(!quiet.offered(100) && !quiet.offered(100 + LINK_DELAY_SECS - 1));
        assert!(quiet.offered(100 + LINK_DELAY_SECS));
    }

    #[test]
    fn an_address_once_offered_stays_offered_after_opening_it_again() {
        let mut shown = ShownLink::new(link(true), 100);
        shown.reopened(link(false), 101);
        assert!(shown.offered(101) && !shown.link.open_failed);
        let mut early = ShownLink::new(link(false), 100);
        early.reopened(link(true), 101);
        assert!(early.offered(101) && early.link.open_failed);
    }

    #[test]
    fn opening_again_says_whether_the_browser_failed_again() {
        assert_eq!(LinkNotice::after_reopen(&link(true)), LinkNotice::StillNotOpened);
        assert_eq!(LinkNotice::after_reopen(&link(false)), LinkNotice::Reopened);
        let tr = crate::i18n::Translations::load();
        for notice in [LinkNotice::Copied, LinkNotice::Reopened, LinkNotice::StillNotOpened] {
            let key = notice.key().unwrap_or_default();
            for lang in [cartable_core::ipc::Language::FrCa, cartable_core::ipc::Language::EnCa] {
                assert!(tr.has(lang, key), "{key} in {lang:?}");
            }
        }
        assert_eq!(LinkNotice::NotCopied(Failure::ClipboardUnavailable.into()).key(), None);
    }

    #[test]
    fn only_a_timed_out_attempt_offers_to_try_again() {
        assert!(offers_retry(&Failure::BrowserTimedOut.into()));
        for failure in others() {
            assert!(!offers_retry(&failure.clone().into()), "{failure:?}");
        }
    }

    #[test]
    fn a_cancel_is_not_shown_as_an_error() {
        assert_eq!(shown_error(Failure::BrowserCancelled.into()), None);
        for failure in others().into_iter().chain([Failure::BrowserTimedOut]) {
            let error = AppError::from(failure);
            assert_eq!(shown_error(error.clone()), Some(error));
        }
    }

    fn others() -> [Failure; 3] {
        use cartable_core::error::Unreachable;
        [
            Failure::BrowserFailed { error: None },
            Failure::PortalUnreachable { kind: Unreachable::Dns },
            Failure::Internal,
        ]
    }
}
