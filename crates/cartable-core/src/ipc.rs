//! The typed Tauri commands between the UI and the shell.
//!
//! One descriptor per command ([`Command`]): its name, its argument type and its result type.
//! The shell registers a handler per name (and declares the names in its app manifest so
//! capabilities can grant them one by one); the UI calls `call::<C>(&args)`. A renamed field
//! or command breaks the build on both sides instead of a screen.
//!
//! Arguments are passed to Tauri as `{"args": <Args>}` (the handler's one parameter is named
//! `args`). Errors are always an [`AppError`](crate::AppError) (`{code, field, params}`):
//! a domain rule's error or a [`Failure`](crate::Failure); the UI translates it.
//!
//! Secrets: the UI sends a password in exactly one command call ([`SignIn`],
//! [`FlowSetPassword`]) and never receives a token.
//!
//! Sign-up (`docs/contract.md §1`) and password reset (§3) are one flow, email → code →
//! password: one command per step ([`FlowStart`], [`FlowResend`], [`FlowVerifyCode`],
//! [`FlowSetPassword`], [`FlowCancel`]), each naming the flow by its [`FlowKind`].

use crate::Secret;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::Provider;

use crate::wire::parent::{
    AssociateRequest, Child, DossierSection, EmailEntry, Me, PrivateSchool, SchoolBoardEntry,
};

/// A Tauri command: its name and the types that cross the IPC boundary.
pub trait Command {
    /// The command name as registered by the shell and granted by capabilities.
    const NAME: &'static str;
    /// The argument, sent as `{"args": …}`.
    type Args: Serialize + DeserializeOwned;
    /// The successful result.
    type Output: Serialize + DeserializeOwned;
}

macro_rules! commands {
    ($( $(#[$doc:meta])* $ty:ident = $name:ident : $args:ty => $out:ty; )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $ty;
            impl Command for $ty {
                const NAME: &'static str = stringify!($name);
                type Args = $args;
                type Output = $out;
            }
        )*
        /// Every command name, in declaration order: the names the shell's build script
        /// declares in its app manifest, and the permissions `capabilities/main.json` grants
        /// (its build script refuses any other list).
        pub const COMMAND_NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}

/// The command table, the one list of commands: passes every entry, as
/// `$(#[doc])* Descriptor = name: Args => Output;`, to the macro named `$callback`.
///
/// This crate defines the descriptors ([`Command`], [`COMMAND_NAMES`]) from it. The shell
/// registers its handlers from it too, as `tauri::generate_handler![$(commands::$name),*]`,
/// so a command added here without a handler in the shell's `commands` module does not
/// compile. The same mechanism, with a `commands` module that has no handler at all:
///
/// ```compile_fail
/// macro_rules! handlers {
///     ($( $(#[$doc:meta])* $ty:ident = $name:ident : $args:ty => $out:ty; )*) => {
///         $( let _handler = commands::$name; )*
///     };
/// }
/// mod commands {}
/// fn main() {
///     cartable_core::command_table!(handlers); // error[E0425]: cannot find value `get_app_info`
/// }
/// ```
#[macro_export]
macro_rules! command_table {
    ($callback:ident) => {
        $callback! {
            /// What the app runs against: portal, demo mode, language, keychain availability.
            GetAppInfo = get_app_info: () => AppInfo;
            /// Changes the language or the portal (advanced); answers the new [`AppInfo`].
            UpdateSettings = update_settings: SettingsUpdate => AppInfo;
            /// Start-up: restores a stored session or a pending sign-up/reset (`docs/contract.md §9`).
            RestoreSession = restore_session: () => Startup;
            /// Step 1 of a sign-up (`docs/contract.md §1`) or a reset ("Mot de passe oublié?",
            /// §3): sends the verification code to `email`. Refusals: the email's own codes on
            /// `email`; `throttled`, `code_sends_exceeded` (`retry_after`); `user_already_exists`
            /// (sign-up) or `user_not_found` (reset) where a real tenant says so;
            /// `redirect_required`.
            FlowStart = flow_start: FlowStartArgs => CodeStep;
            /// Sends a new code for the pending flow of `kind` (allowed after
            /// `resend_available_at`; the previous code is void). Refusals: `throttled`,
            /// `code_sends_exceeded` (`retry_after`); `flow_expired` (`email`);
            /// `no_pending_flow` when no flow of `kind` waits for a code.
            FlowResend = flow_resend: FlowArgs => CodeStep;
            /// Checks the emailed code; next step is the (new) password. Refusals: the code's own
            /// codes and `invalid_code` (`attempts_left`) on `code`; `code_attempts_exceeded`
            /// (`retry_after`: resend); `flow_expired` (`email`); `user_already_exists` (sign-up:
            /// the flow ends); `no_pending_flow`.
            FlowVerifyCode = flow_verify_code: FlowCodeArgs => PasswordStep;
            /// Sets the password and signs in: a sign-up creates the account; a reset changes the
            /// password, which revokes every other session of the account (`docs/contract.md
            /// §3`). Refusals: the password policy's codes and `password_recently_used` (reset)
            /// on `password`; `flow_expired` (`email`); `no_pending_flow`.
            FlowSetPassword = flow_set_password: FlowPasswordArgs => SignedIn;
            /// Abandons the pending flow of `kind` ("Annuler", "Changer de courriel"); nothing
            /// pending, or a flow of the other kind (left as it is), is not an error.
            FlowCancel = flow_cancel: FlowArgs => ();
            /// The pending sign-up or reset, if any, for reopening its step.
            PendingFlow = pending_flow: () => Option<FlowStep>;
            /// Signs in with email and password (`docs/contract.md §2`).
            SignIn = sign_in: SignInArgs => SignedIn;
            /// Password change from Paramètres: [`FlowStart`] of a reset for the signed-in email;
            /// the next steps are the reset's.
            ChangePasswordStart = change_password_start: () => CodeStep;
            /// "Se déconnecter": revokes and forgets the current parent's refresh token, keeps the
            /// email; the other parents signed in on this device stay signed in.
            SignOut = sign_out: () => SignedOut;
            /// "Oublier cet appareil": signs the current parent out and deletes their keychain entry and
            /// email; the other parents stay signed in.
            ForgetDevice = forget_device: () => ();
            /// Deletes the current parent's account at the portal, then forgets it on this device.
            DeleteAccount = delete_account: () => ();
            /// The parents signed in on this device for the portal in use (the header's switcher):
            /// account keys and masked emails, never a token.
            ListAccounts = list_accounts: () => AccountList;
            /// Switches to another parent signed in on this device; answers as start-up does
            /// (`SignedIn`, `SignedOut` with `session_expired` when their session was refused,
            /// `PortalUnreachable`, in which case the current parent stays).
            SwitchAccount = switch_account: AccountArgs => Startup;
            /// "Ajouter un parent": sets the current parent aside (still signed in, one click away in
            /// the switcher) so another can sign in or sign up; ends a pending sign-up or reset.
            AddAccount = add_account: () => ();
            /// "Oublier tous les comptes": signs every parent out, then deletes every keychain entry,
            /// the settings and the demo portal's data.
            ForgetAllAccounts = forget_all_accounts: () => ();
            /// The school bodies with `subscribed` (the embedded list when the portal is unreachable).
            SchoolBoards = school_boards: () => Vec<SchoolBoardEntry>;
            /// Private schools known to the portal.
            PrivateSchools = private_schools: () => Vec<PrivateSchool>;
            /// The signed-in parent's account: emails and providers.
            GetMe = get_me: () => Me;
            /// The children associated with the account.
            ListChildren = list_children: () => Vec<Child>;
            /// Associates a child (`docs/contract.md §6`).
            AssociateChild = associate_child: AssociateRequest => Associated;
            /// Removes a child from the account.
            RemoveChild = remove_child: ChildArgs => ();
            /// The sections of a child's file.
            GetDossier = get_dossier: ChildArgs => Vec<DossierSection>;
            /// The demo portal's outbox ("Boîte de courriel de démonstration"), newest first.
            DemoOutbox = demo_outbox: () => Vec<DemoMail>;
            /// Signs in with a social account in the system browser (`docs/contract.md §5`); answers
            /// only when the browser flow ends (signed in, [`SocialSignInCancel`], refused or timed out:
            /// `browser_cancelled`, `browser_timed_out`, `browser_failed`). A system browser that fails
            /// to open does not end it: the parent can open [`SocialSignInLink`]'s address themselves.
            SocialSignInStart = social_sign_in_start: SocialArgs => SignedIn;
            /// "Annuler" while the browser flow runs: [`SocialSignInStart`] fails with
            /// `browser_cancelled`. Nothing running is not an error.
            SocialSignInCancel = social_sign_in_cancel: () => ();
            /// The running browser sign-in's address, once the system browser was asked to open it
            /// (waits a few seconds for it); `None` when no sign-in is waiting for the browser.
            SocialSignInLink = social_sign_in_link: () => Option<BrowserLink>;
            /// "Ouvrir de nouveau": asks the system browser again to open the running sign-in's
            /// address (the same attempt keeps waiting); `None` when no sign-in is waiting.
            SocialSignInReopen = social_sign_in_reopen: () => Option<BrowserLink>;
            /// "Copier le lien": the shell puts the running sign-in's address on the clipboard
            /// (`clipboard_unavailable` when it cannot); `None` when no sign-in is waiting.
            SocialSignInCopyLink = social_sign_in_copy_link: () => Option<BrowserLink>;
            /// "Lier le courriel donné à l'école" step 1: adds `email` (unverified) to the account and
            /// emails it a code (`docs/contract.md §5` "Linking the school email"); again = resend.
            LinkEmailStart = link_email_start: EmailArgs => LinkEmailChallenge;
            /// Step 2: proves the linked email with its code; answers the verified entry.
            LinkEmailVerify = link_email_verify: LinkEmailVerifyArgs => EmailEntry;
            /// The launch's first screen is mounted and interactive (the login form opened at once, or
            /// the screen start-up routed the parent to), with the UI's own [`UiMarks`]. The shell logs, once per launch, the marks on its start-up
            /// timeline, then `ui ready: <ms> ms after start (unix ms <t>)`, the mark `cargo xtask
            /// bench` times start-up by (BENCHMARKS.md); later calls do nothing.
            UiReady = ui_ready: UiMarks => ();
            /// Paramètres → "Mises à jour": whether the operator's update server (`CARTABLE_UPDATE_URL`)
            /// offers a newer signed version; [`UpdateStatus::Off`] when no server is configured (then
            /// nothing is asked of any server). Refusals: `update_unreachable`, `update_invalid`.
            UpdateCheck = update_check: () => UpdateStatus;
            /// "Télécharger et vérifier" the version the last [`UpdateCheck`] offered: downloads it and
            /// verifies its minisign signature against the app's public key, then saves the verified
            /// package in the Downloads folder for the package manager; the app never installs itself.
            /// Refusals: `update_signature_invalid` (nothing is saved or installed), `update_unreachable`,
            /// `update_save_failed`, `no_update`, `updates_off`.
            UpdateDownload = update_download: () => VerifiedUpdate;
            /// How far the running [`UpdateDownload`] is; `None` when none runs.
            UpdateProgress = update_progress: () => Option<DownloadProgress>;
        }
    };
}

command_table!(commands);

/// Interface language. French first (`fr-CA`), English complete (`en-CA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Language {
    /// Français (Canada), the default.
    #[default]
    #[serde(rename = "fr-CA")]
    FrCa,
    /// English (Canada).
    #[serde(rename = "en-CA")]
    EnCa,
}

impl Language {
    /// The BCP 47 tag, also sent as `Accept-Language` (`docs/contract.md §0`).
    pub fn tag(self) -> &'static str {
        match self {
            Self::FrCa => "fr-CA",
            Self::EnCa => "en-CA",
        }
    }
}

/// Which portal the app talks to and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalInfo {
    /// `embedded` or the configured origin, lowercase, no trailing slash (`docs/contract.md §9`).
    pub id: String,
    /// The origin actually used, e.g. `http://127.0.0.1:41234`.
    pub origin: String,
    /// True for the embedded demo portal: fictional records, nothing reaches a school.
    pub demo: bool,
    /// Where the portal setting came from.
    pub source: PortalSource,
    /// The social providers the portal offers, in [`Provider::ALL`]'s order:
    /// [`Provider::DEFAULT`] unless the environment's `CARTABLE_SOCIAL_PROVIDERS` says
    /// otherwise (`docs/contract.md §0`, §5: Apple only where configured).
    #[serde(default)]
    pub social_providers: Vec<Provider>,
}

/// Precedence of the portal setting (`docs/contract.md §0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalSource {
    /// `CARTABLE_PORTAL_URL` (and overrides) in the environment.
    Environment,
    /// The app's own setting (Paramètres → Portail).
    Setting,
    /// No portal configured: the embedded demo portal.
    Embedded,
}

/// Answer of [`GetAppInfo`] and [`UpdateSettings`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppInfo {
    /// The portal in use.
    pub portal: PortalInfo,
    /// The interface language.
    pub language: Language,
    /// Whether "stay signed in" works on this computer (a usable OS keychain).
    pub keychain_available: bool,
    /// The app's version (Cargo package version).
    pub version: String,
}

/// Argument of [`UpdateSettings`]: absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsUpdate {
    /// New interface language.
    #[serde(default)]
    pub language: Option<Language>,
    /// New portal origin; `Some(None)` goes back to the embedded demo portal. Takes effect
    /// after the current session is signed out.
    #[serde(default, with = "double_option")]
    pub portal_url: Option<Option<String>>,
}

mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Option<String>>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

/// `{"email": "…"}` (argument of [`LinkEmailStart`]): the email as typed; the shell parses it
/// with [`crate::email::Email`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailArgs {
    /// The email as typed.
    pub email: String,
}

/// `{"kind": "sign_up"}`: the flow a step is for ([`FlowResend`], [`FlowCancel`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowArgs {
    /// Sign-up or reset.
    pub kind: FlowKind,
}

/// `{"kind": "reset", "email": "…"}`: argument of [`FlowStart`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowStartArgs {
    /// Sign-up or reset.
    pub kind: FlowKind,
    /// The email as typed; the shell parses it with [`crate::email::Email`].
    pub email: String,
}

/// `{"kind": "sign_up", "code": "…"}`: argument of [`FlowVerifyCode`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowCodeArgs {
    /// Sign-up or reset.
    pub kind: FlowKind,
    /// The code as typed or pasted ("123 456", "Code : 123456").
    pub code: Secret,
}

/// `{"kind": "sign_up", "password": "…"}`: argument of [`FlowSetPassword`]; the password is
/// sent once, never stored, never returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowPasswordArgs {
    /// Sign-up or reset.
    pub kind: FlowKind,
    /// The new password.
    pub password: Secret,
}

/// Sign-in with a Mozaïk (local) account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInArgs {
    /// The email as typed.
    pub email: String,
    /// The password, sent once.
    pub password: Secret,
}

/// Argument of [`SocialSignInStart`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocialArgs {
    /// The provider's button; `None`: the portal's own chooser page.
    #[serde(default)]
    pub provider: Option<Provider>,
}

/// The address of a browser sign-in that is waiting for the browser (answer of
/// [`SocialSignInLink`], [`SocialSignInReopen`] and [`SocialSignInCopyLink`]), offered to the
/// parent when the system browser fails or opens nothing.
///
/// It is the authorization request (`docs/contract.md §5`): the PKCE challenge, `state` and
/// `nonce` any browser sees; the PKCE verifier and the tokens stay in the shell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserLink {
    /// The sign-in address (`…/oauth2/v2.0/authorize?…`).
    pub url: String,
    /// The system browser reported a failure the last time it was asked to open the address
    /// (no browser registered, or its handler failed): offer the address at once.
    pub open_failed: bool,
}

/// Answer of [`LinkEmailStart`]: the code went to the linked email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkEmailChallenge {
    /// The canonical email being linked.
    pub email: String,
    /// Masked address the code was sent to (`j***e@e*****e.com`).
    pub target_label: String,
    /// Number of digits of the code (6).
    pub code_length: u8,
    /// When a new code may be asked for (Unix seconds; `interval` after sending).
    pub resend_available_at: i64,
}

/// Argument of [`LinkEmailVerify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkEmailVerifyArgs {
    /// The email being linked, as in [`LinkEmailChallenge::email`].
    pub email: String,
    /// The code as typed or pasted ("123 456", "Code : 123456").
    pub code: Secret,
}

/// `{"key": "…"}`: a parent signed in on this device ([`AccountSummary::key`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountArgs {
    /// The account key, as [`ListAccounts`] gave it.
    pub key: String,
}

/// A parent signed in on this device, as the switcher shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// A stable key of the account (the portal's account id, `docs/contract.md §9`).
    pub key: String,
    /// The account's email, masked (`j***e@e*****e.com`).
    pub label: String,
}

/// Answer of [`ListAccounts`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountList {
    /// Every parent signed in on this device, in the order they were added.
    pub accounts: Vec<AccountSummary>,
    /// The key of the parent the app shows now; `None` while signed out or adding a parent.
    pub current: Option<String>,
}

/// The UI's start-up marks, each in Unix milliseconds (the wall clock the webview and the shell
/// share), sent with [`UiReady`] so the shell logs one timeline of the launch (BENCHMARKS.md,
/// "Start-up timeline"): `{"navigation": …, "wasm_started": …, "answered": …, "rendered": …}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiMarks {
    /// The webview started loading the page (`performance.timeOrigin`); 0 when it does not say.
    pub navigation: u64,
    /// The wasm's `main` mounted the app: the module was fetched, compiled and started.
    pub wasm_started: u64,
    /// The shell's start-up answers (`get_app_info`, `restore_session`) reached the UI; `None`
    /// when the first screen was shown without waiting for them (a signed-out parent's login
    /// form, opened at once).
    pub answered: Option<u64>,
    /// The first screen was rendered, just before [`UiReady`] was sent.
    pub rendered: u64,
}

/// `{"child_id": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildArgs {
    /// The child's id as the portal gave it.
    pub child_id: crate::ChildId,
}

/// Which flow a step belongs to, and which flow a step's command is for (`"sign_up"`,
/// `"reset"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    /// "Créez votre compte" (`docs/contract.md §1`).
    SignUp,
    /// "Mot de passe oublié?" or a password change (`docs/contract.md §3`).
    Reset,
}

/// The code step: where the code went and its timing.
///
/// Times are Unix seconds (UTC) so the UI can count down against `Date.now()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeStep {
    /// Sign-up or reset.
    pub flow: FlowKind,
    /// The canonical email the flow is for (shown, and kept if the flow must restart).
    pub email: String,
    /// Masked address the code was sent to, as the portal gives it (`j***e@e*****e.com`).
    pub target_label: String,
    /// Number of digits of the code (6).
    pub code_length: u8,
    /// When "Envoyer un nouveau code" becomes available (Unix seconds).
    pub resend_available_at: i64,
    /// When the code and the step expire (Unix seconds; 600 s after sending).
    pub expires_at: i64,
}

/// The password step of a sign-up or reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordStep {
    /// Sign-up or reset.
    pub flow: FlowKind,
    /// The canonical email.
    pub email: String,
    /// When the step expires (Unix seconds).
    pub expires_at: i64,
}

/// A pending flow's current step, as reopened after a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum FlowStep {
    /// The step expired: start again at "send code" with this email filled in.
    Email {
        /// Sign-up or reset.
        flow: FlowKind,
        /// The email to fill in.
        email: String,
    },
    /// Waiting for the emailed code.
    Code(CodeStep),
    /// Waiting for the new password.
    Password(PasswordStep),
}

/// The parent is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    /// The account's email (canonical).
    pub email: String,
    /// Whether the session was stored in the OS keychain (false: memory only).
    pub persisted: bool,
}

/// The parent is signed out; the email stays for the next login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedOut {
    /// The last signed-in email, to fill in the login form.
    pub email: Option<String>,
}

/// What start-up found (answer of [`RestoreSession`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Startup {
    /// A stored session was restored: open the children screen.
    SignedIn(SignedIn),
    /// No session: the login screen, with the last email if known. `session_expired` is true
    /// when a stored session was refused by the portal (`invalid_grant`).
    SignedOut {
        /// The email to fill in.
        email: Option<String>,
        /// A stored session was refused and deleted.
        session_expired: bool,
    },
    /// A sign-up or reset was interrupted: reopen its step.
    Pending(FlowStep),
    /// A stored session exists but the portal could not be reached: "Portail injoignable —
    /// Réessayer". The token is kept.
    PortalUnreachable {
        /// The stored email.
        email: Option<String>,
    },
}

/// Answer of [`AssociateChild`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Associated {
    /// The associated child.
    pub child: Child,
    /// False when the child was already associated (HTTP 200 instead of 201).
    pub created: bool,
}

/// One message of the demo outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoMail {
    /// File name in the outbox (stable id).
    pub id: String,
    /// When it was written (Unix seconds).
    pub received_at: i64,
    /// Recipient address.
    pub to: String,
    /// Subject line (carries the code).
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// Answer of [`UpdateCheck`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum UpdateStatus {
    /// No update server is configured (`CARTABLE_UPDATE_URL`): the package manager or whoever
    /// provided Cartable updates it.
    Off,
    /// The server offers nothing newer.
    UpToDate {
        /// The running version.
        current_version: String,
    },
    /// A newer version is offered: "Une mise à jour est disponible".
    Available(UpdateOffer),
}

/// A newer version the update server offers.
///
/// The manifest is not signed (only the package is), so its free text (release notes) is not
/// passed on: a tampered manifest must not be able to put its words in front of the parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateOffer {
    /// The offered version (`0.2.0`, a semantic version as the updater parsed it).
    pub version: String,
    /// The running version.
    pub current_version: String,
}

/// Answer of [`UpdateDownload`]: the package is verified and saved, not installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedUpdate {
    /// The version whose signature was verified.
    pub version: String,
    /// Where the verified package was saved (the Downloads folder).
    pub file: String,
    /// The package manager's command that installs it (`sudo apt install '…'`), when the package
    /// is a .deb or an .rpm.
    #[serde(default)]
    pub install_command: Option<String>,
}

/// Answer of [`UpdateProgress`]: bytes received so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadProgress {
    /// Bytes received.
    pub downloaded: u64,
    /// The package's size, when the server said it.
    #[serde(default)]
    pub total: Option<u64>,
}

impl DownloadProgress {
    /// The share received, 0 to 100, when the size is known.
    pub fn percent(&self) -> Option<u8> {
        let total = self.total.filter(|&t| t > 0)?;
        let percent = self.downloaded.min(total).saturating_mul(100) / total;
        u8::try_from(percent).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_answers_are_tagged_by_state() {
        let off = serde_json::to_value(UpdateStatus::Off).unwrap_or_default();
        assert_eq!(off, serde_json::json!({"state": "off"}));
        let offer = UpdateOffer { version: "0.2.0".into(), current_version: "0.1.0".into() };
        let available = serde_json::to_value(UpdateStatus::Available(offer)).unwrap_or_default();
        assert_eq!(available["state"], "available");
        assert_eq!(available["version"], "0.2.0");
        let progress = |downloaded, total| DownloadProgress { downloaded, total }.percent();
        assert_eq!(progress(50, Some(200)), Some(25));
        assert_eq!(progress(300, Some(200)), Some(100));
        assert_eq!(progress(5, None), None);
        assert_eq!(progress(5, Some(0)), None);
    }

    #[test]
    fn command_names_are_unique_snake_case() {
        let mut names = COMMAND_NAMES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COMMAND_NAMES.len());
        assert!(
            COMMAND_NAMES.iter().all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
    }

    #[test]
    fn settings_update_distinguishes_absent_and_null_portal() {
        let absent: SettingsUpdate = serde_json::from_str("{}").unwrap_or_default();
        assert_eq!(absent.portal_url, None);
        let reset: SettingsUpdate =
            serde_json::from_str(r#"{"portal_url": null}"#).unwrap_or_default();
        assert_eq!(reset.portal_url, Some(None));
    }

    #[test]
    fn passwords_never_show_in_debug() {
        let args = SignInArgs { email: "a@b.ca".into(), password: "Secret123!".into() };
        assert!(!format!("{args:?}").contains("Secret"));
        let pw = FlowPasswordArgs { kind: FlowKind::Reset, password: "Secret123!".into() };
        assert!(!format!("{pw:?}").contains("Secret"));
    }
}
