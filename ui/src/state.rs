//! App-wide state: where the parent stands ([`SignInState`]) and what every screen shares
//! ([`UiState`]).

use cartable_core::ipc::{AccountList, AppInfo, FlowStep};
use sycamore::prelude::*;

use crate::routes::AppRoute;

/// Where the parent stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInState {
    /// Start-up has not answered yet.
    Starting,
    /// Signed out.
    SignedOut,
    /// Signed in as `email`; `persisted` when the session is kept in the OS keychain.
    SignedIn {
        /// The account's email.
        email: String,
        /// Whether "stay signed in" applies.
        persisted: bool,
    },
}

/// App-wide state, provided once as context (a `Copy` struct of signals).
#[derive(Debug, Clone, Copy)]
pub struct UiState {
    /// What the app runs against (portal, demo, language, keychain).
    pub info: Signal<Option<AppInfo>>,
    /// Signed in or not.
    pub session: Signal<SignInState>,
    /// The pending sign-up or reset step, if any.
    pub flow: Signal<Option<FlowStep>>,
    /// The email to fill in on the login, sign-up and reset forms.
    pub email: Signal<String>,
    /// A message key shown once on the next screen (e.g. `notice-session-expired`).
    pub notice: Signal<Option<String>>,
    /// The parent closed the "stay signed in is unavailable" notice for this launch.
    pub keychain_notice_dismissed: Signal<bool>,
    /// The parents signed in on this device (the header's switcher): keys and masked emails.
    pub accounts: Signal<AccountList>,
    /// Changes at each switch of parent: the screen is built anew, so nothing it held for the
    /// previous parent (children, dossier, forms) shows under the next.
    pub account_epoch: Signal<u64>,
    /// The screen start-up chose (login, children, a pending flow's step; the start screen
    /// itself when the portal is unreachable); `None` while it runs. The start screen opens it
    /// whenever it is shown, so a parent who went elsewhere during start-up and comes back is
    /// never left on "Chargement…".
    pub landing: Signal<Option<AppRoute>>,
}

impl UiState {
    /// Empty state, before start-up answers.
    pub fn new() -> Self {
        Self {
            info: create_signal(None),
            session: create_signal(SignInState::Starting),
            flow: create_signal(None),
            email: create_signal(String::new()),
            notice: create_signal(None),
            keychain_notice_dismissed: create_signal(false),
            accounts: create_signal(AccountList::default()),
            account_epoch: create_signal(0),
            landing: create_signal(None),
        }
    }

    /// Whether the app runs against the embedded demo portal.
    pub fn is_demo(&self) -> bool {
        self.info.with(|i| i.as_ref().is_some_and(|i| i.portal.demo))
    }

    /// Whether to show, once per launch, that "stay signed in" is unavailable on this computer.
    pub fn keychain_notice_visible(&self) -> bool {
        let available = self.info.with(|i| i.as_ref().map(|i| i.keychain_available));
        keychain_notice_visible(
            available,
            &self.session.get_clone(),
            self.keychain_notice_dismissed.get(),
        )
    }

    /// Records a sign-in.
    pub fn signed_in(&self, email: String, persisted: bool) {
        // One change for the effects (the launch hint never sees the flow gone while the
        // session is not yet signed in).
        batch(|| {
            self.email.set(email.clone());
            self.flow.set(None);
            self.session.set(SignInState::SignedIn { email, persisted });
        });
    }

    /// Another parent is now in front (a switch, "Ajouter un parent", a switch to a parent whose
    /// session was refused): forgets what the UI held for the previous one (the pending sign-up
    /// or reset step, the notice, the email typed) and builds the screen anew. `session` is the
    /// new parent's, `email` the one to fill in the forms, `notice` the message key the next
    /// screen shows once.
    pub fn switched(&self, session: SignInState, email: Option<String>, notice: Option<&str>) {
        self.flow.set(None);
        self.notice.set(notice.map(str::to_owned));
        self.email.set(email.unwrap_or_default());
        // Signed out, the screens of a parent give way to the login screen (which reads the
        // notice as it opens); signed in as another, the screen shown is built anew.
        if matches!(session, SignInState::SignedIn { .. }) {
            self.account_epoch.set(self.account_epoch.get_untracked().wrapping_add(1));
        }
        self.session.set(session);
    }

    /// The masked email of the parent the app shows now, if any.
    pub fn current_label(&self) -> Option<String> {
        self.accounts.with(|list| {
            let current = list.current.as_deref()?;
            list.accounts.iter().find(|a| a.key == current).map(|a| a.label.clone())
        })
    }

    /// Records a sign-out, keeping `email` for the login form.
    pub fn signed_out(&self, email: Option<String>) {
        if let Some(email) = email {
            self.email.set(email);
        }
        self.session.set(SignInState::SignedOut);
    }
}

impl Default for UiState {
    fn default() -> Self {
        Self::new()
    }
}

/// The keychain notice rule: shown until dismissed when the shell said no keychain is usable
/// (`available == Some(false)`), or when a sign-in could not be kept in the keychain.
pub fn keychain_notice_visible(
    available: Option<bool>,
    session: &SignInState,
    dismissed: bool,
) -> bool {
    let not_kept = matches!(session, SignInState::SignedIn { persisted: false, .. });
    !dismissed && (available == Some(false) || not_kept)
}

/// The [`UiState`] context.
pub fn use_app() -> UiState {
    use_context::<UiState>()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {

    use super::*;

    #[test]
    fn keychain_notice_shows_until_dismissed() {
        let signed = |persisted| SignInState::SignedIn { email: "a@b.ca".into(), persisted };
        assert!(keychain_notice_visible(Some(false), &SignInState::SignedOut, false));
        assert!(keychain_notice_visible(Some(true), &signed(false), false));
        assert!(!keychain_notice_visible(Some(true), &signed(true), false));
        assert!(!keychain_notice_visible(None, &SignInState::Starting, false));
        assert!(!keychain_notice_visible(Some(false), &signed(false), true));
    }

    #[test]
    fn a_switch_forgets_what_the_previous_parent_left_on_screen() {
        let _ = create_root(|| {
            let app = UiState::new();
            app.signed_in("a@example.ca".into(), true);
            app.flow.set(Some(FlowStep::Email {
                flow: cartable_core::ipc::FlowKind::Reset,
                email: "a@example.ca".into(),
            }));
            app.notice.set(Some("associate-done".into()));
            let summary = |k: &str, label: &str| cartable_core::ipc::AccountSummary {
                key: k.to_owned(),
                label: label.to_owned(),
            };
            app.accounts.set(AccountList {
                accounts: vec![summary("a", "*@e*****e.ca"), summary("b", "b*@e*****e.ca")],
                current: Some("b".into()),
            });
            let epoch = app.account_epoch.get();
            let b = SignInState::SignedIn { email: "bo@example.ca".into(), persisted: true };
            app.switched(b.clone(), Some("bo@example.ca".into()), None);
            assert_eq!(app.flow.get_clone(), None);
            assert_eq!(app.notice.get_clone(), None);
            assert_eq!(app.email.get_clone(), "bo@example.ca");
            assert_eq!(app.session.get_clone(), b);
            assert_ne!(app.account_epoch.get(), epoch, "the screen is built anew");
            assert_eq!(app.current_label().as_deref(), Some("b*@e*****e.ca"));
            // "Ajouter un parent": signed out, nothing of the previous parent kept.
            app.switched(SignInState::SignedOut, None, Some("notice-adding-parent"));
            assert_eq!(app.notice.get_clone().as_deref(), Some("notice-adding-parent"));
            assert_eq!(
                (app.email.get_clone(), app.session.get_clone()),
                (String::new(), SignInState::SignedOut)
            );
        });
    }
}
