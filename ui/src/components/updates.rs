//! Paramètres → "Mises à jour": whether the operator's update server offers a newer version,
//! "Télécharger et vérifier", the download's progress, then the verified package and the
//! package manager's command, or why the update was refused.
//!
//! The shell checks when this card opens (no server configured: it says so and asks nothing);
//! it never installs anything itself (`src-tauri/src/updates.rs`).

use cartable_core::AppError;
use cartable_core::ipc::{
    DownloadProgress, UpdateCheck, UpdateDownload, UpdateOffer, UpdateProgress, UpdateStatus,
    VerifiedUpdate,
};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use crate::i18n::{Arg, use_i18n};
use crate::ipc;

/// How often the download's progress is asked for, in milliseconds.
const PROGRESS_EVERY_MS: i32 = 250;

/// Where the card is.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Asking the shell (and the server).
    Checking,
    /// The check's answer: off, up to date, or an update offered.
    Checked(UpdateStatus),
    /// "Télécharger et vérifier" runs.
    Downloading {
        /// The version being downloaded.
        offer: UpdateOffer,
        /// Bytes received so far, when the shell has said.
        progress: Option<DownloadProgress>,
    },
    /// The package's signature verified; it was saved for the package manager.
    Verified(VerifiedUpdate),
    /// The check or the download was refused.
    Failed(AppError),
}

impl Phase {
    /// The update "Télécharger et vérifier" would download, when one is offered.
    pub fn offer(&self) -> Option<&UpdateOffer> {
        match self {
            Self::Checked(UpdateStatus::Available(offer)) => Some(offer),
            _ => None,
        }
    }

    /// Whether "Rechercher une mise à jour" is offered: after an answer, never while off or busy.
    pub fn can_check_again(&self) -> bool {
        matches!(
            self,
            Self::Checked(UpdateStatus::UpToDate { .. } | UpdateStatus::Available(_))
                | Self::Verified(_)
                | Self::Failed(_)
        )
    }
}

/// Waits `ms` milliseconds (no wait outside the browser).
async fn sleep(ms: i32) {
    #[cfg(target_arch = "wasm32")]
    {
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = ms;
}

/// Asks the shell whether an update is offered and puts the answer in `phase`.
fn check(phase: Signal<Phase>) {
    phase.set(Phase::Checking);
    spawn_local_scoped(async move {
        phase.set(match ipc::call::<UpdateCheck>(&()).await {
            Ok(status) => Phase::Checked(status),
            Err(problem) => Phase::Failed(problem),
        });
    });
}

/// Downloads and verifies the offered update, asking for its progress while it runs.
fn download(phase: Signal<Phase>) {
    let Some(offer) = phase.with_untracked(|p| p.offer().cloned()) else { return };
    phase.set(Phase::Downloading { offer, progress: None });
    spawn_local_scoped(async move {
        phase.set(match ipc::call::<UpdateDownload>(&()).await {
            Ok(verified) => Phase::Verified(verified),
            Err(problem) => Phase::Failed(problem),
        });
    });
    spawn_local_scoped(async move {
        loop {
            sleep(PROGRESS_EVERY_MS).await;
            let Ok(progress) = ipc::call::<UpdateProgress>(&()).await else { break };
            let running = phase.with_untracked(|p| matches!(p, Phase::Downloading { .. }));
            if !running {
                break;
            }
            if let Some(progress) = progress {
                phase.update(|p| {
                    if let Phase::Downloading { progress: shown, .. } = p {
                        *shown = Some(progress);
                    }
                });
            }
        }
    });
}

/// The "Mises à jour" card of Paramètres.
#[component]
pub fn UpdatesCard() -> View {
    let i18n = use_i18n();
    let phase = create_signal(Phase::Checking);
    // The buttons live in parts of the card that each answer replaces: their calls run in the
    // card's own scope, or replacing the button would cancel the call it started.
    let scope = sycamore::reactive::use_current_scope();
    check(phase);

    let body = move || {
        let version = |v: &str| [("version", Arg::Str(v.to_owned()))];
        match phase.get_clone() {
            Phase::Checking => view! {
                p(class="hint", id="update-checking") {
                    span(class="spinner", aria-hidden="true") " " (i18n.t("settings-updates-checking"))
                }
            },
            Phase::Checked(UpdateStatus::Off) => view! {
                p(class="hint", id="updates-off") { (i18n.t("settings-updates-off")) }
            },
            Phase::Checked(UpdateStatus::UpToDate { current_version }) => view! {
                p(id="update-up-to-date") { (i18n.ta("settings-updates-up-to-date", &version(&current_version))) }
            },
            Phase::Checked(UpdateStatus::Available(offer)) => view! {
                div(class="alert info-box", id="update-available") {
                    p(class="alert-title") { (i18n.ta("settings-update-available", &version(&offer.version))) }
                    p { (i18n.ta("settings-update-current", &version(&offer.current_version))) }
                }
            },
            Phase::Downloading { offer, progress } => {
                let percent = progress.and_then(|p| p.percent());
                view! {
                    div(id="update-downloading") {
                        label(r#for="update-progress") {
                            (i18n.ta("settings-update-downloading", &version(&offer.version)))
                        }
                        (match percent {
                            Some(percent) => view! {
                                progress(id="update-progress", max="100", value=percent.to_string()) { (format!("{percent} %")) }
                            },
                            // Size unknown yet: an indeterminate bar.
                            None => view! { progress(id="update-progress") },
                        })
                    }
                }
            }
            Phase::Verified(verified) => {
                let command = verified.install_command.clone();
                view! {
                    div(class="alert success-box", id="update-verified") {
                        p(class="alert-title") { (i18n.ta("settings-update-verified", &version(&verified.version))) }
                        p { (i18n.ta("settings-update-saved", &[("file", Arg::Str(verified.file.clone()))])) }
                        (match command.clone() {
                            Some(command) => view! {
                                p { (i18n.t("settings-update-install")) }
                                p { code(class="command", id="update-command") { (command) } }
                            },
                            None => view! { p { (i18n.t("settings-update-open")) } },
                        })
                    }
                }
            }
            Phase::Failed(problem) => {
                let text = i18n.error(&problem);
                view! { div(class="alert error-box", role="alert", id="update-refused") { p { (text) } } }
            }
        }
    };

    view! {
        section(class="card", aria-labelledby="updates-title") {
            h2(id="updates-title") { (i18n.t("settings-updates-title")) }
            div(aria-live="polite") { (body) }
            div(class="actions") {
                (if phase.with(|p| p.offer().is_some()) {
                    view! {
                        button(r#type="button", class="button primary", id="update-download",
                            on:click=move |_| scope.run_in(|| download(phase))) { (i18n.t("settings-update-download")) }
                    }
                } else { view! {} })
                (if phase.with(Phase::can_check_again) {
                    view! {
                        button(r#type="button", class="button secondary", id="update-check",
                            on:click=move |_| scope.run_in(|| check(phase))) { (i18n.t("settings-update-check")) }
                    }
                } else { view! {} })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use cartable_core::Failure;

    use super::*;

    fn offer() -> UpdateOffer {
        UpdateOffer { version: "0.2.0".into(), current_version: "0.1.0".into() }
    }

    #[test]
    fn download_is_offered_only_for_an_available_update() {
        assert!(Phase::Checked(UpdateStatus::Available(offer())).offer().is_some());
        for phase in [
            Phase::Checking,
            Phase::Checked(UpdateStatus::Off),
            Phase::Checked(UpdateStatus::UpToDate { current_version: "0.1.0".into() }),
            Phase::Downloading { offer: offer(), progress: None },
            Phase::Failed(Failure::UpdateSignatureInvalid.into()),
        ] {
            assert!(phase.offer().is_none(), "{phase:?}");
        }
    }

    #[test]
    fn checking_again_is_offered_after_an_answer_but_never_when_off_or_busy() {
        assert!(!Phase::Checked(UpdateStatus::Off).can_check_again());
        assert!(!Phase::Checking.can_check_again());
        assert!(!Phase::Downloading { offer: offer(), progress: None }.can_check_again());
        assert!(Phase::Failed(Failure::UpdateUnreachable.into()).can_check_again());
        assert!(Phase::Checked(UpdateStatus::Available(offer())).can_check_again());
    }
}
