//! Calls into the Tauri shell: one typed function for every command of
//! [`cartable_core::ipc`].
//!
//! Every portal action goes through [`call`], which invokes
//! `window.__TAURI__.core.invoke(C::NAME, {args})` (the shell's handlers take one parameter named
//! `args`) and decodes the answer as `C::Output`. Every failure is an [`AppError`]: the shell's
//! own (`{code, field, params}`), or `shell_unavailable` / `internal` when the call could not be
//! made at all. The binding uses `catch`, so a command error is a `Result`, never a panic
//! (tauri-docs issue #3457).

use cartable_core::ipc::Command;
use cartable_core::{AppError, Failure};

/// Turns whatever the shell rejected a call with, read as an [`AppError`], into one.
///
/// The shell rejects with a serialized `AppError`; anything else (a bare string from Tauri itself,
/// e.g. "command not allowed", or `null`) does not read as one and becomes `internal`, so the
/// UI never shows raw text.
pub fn error_from_rejection<E>(read: Result<AppError, E>) -> AppError {
    match read {
        Ok(problem) if !problem.code().is_empty() => problem,
        _ => AppError::from(Failure::Internal),
    }
}

/// What `invoke` is given: `{"args": …}` (the handlers' one parameter is named `args`).
#[cfg(target_arch = "wasm32")]
#[derive(serde::Serialize)]
struct Payload<'a, A> {
    args: &'a A,
}

#[cfg(target_arch = "wasm32")]
mod bindings {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// `window.__TAURI__.core.invoke(cmd, args)`: rejects with the command's error.
        #[wasm_bindgen(catch, js_namespace = ["window", "__TAURI__", "core"])]
        pub async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
    }

    /// Whether `window.__TAURI__.core.invoke` exists (false in a plain browser).
    pub fn shell_present() -> bool {
        let Some(window) = web_sys::window() else { return false };
        let get = |target: &JsValue, key: &str| {
            js_sys::Reflect::get(target, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined())
        };
        get(&window, "__TAURI__")
            .and_then(|tauri| get(&tauri, "core"))
            .and_then(|core| get(&core, "invoke"))
            .is_some_and(|invoke| invoke.is_function())
    }
}

/// Calls command `C` with `args` and decodes its answer.
///
/// # Errors
///
/// The shell's [`AppError`]; [`Failure::ShellUnavailable`] outside the shell; `internal` when the
/// arguments cannot be encoded or the answer cannot be decoded (a shell/UI version mismatch).
#[cfg(target_arch = "wasm32")]
pub async fn call<C: Command>(args: &C::Args) -> Result<C::Output, AppError> {
    use serde::Serialize;

    if !bindings::shell_present() {
        return Err(AppError::from(Failure::ShellUnavailable));
    }
    // `json_compatible`: Tauri reads plain JS objects (not `Map`s) and JSON numbers. The
    // arguments go straight to JS values, without a `serde_json::Value` in between.
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let js_args =
        Payload { args }.serialize(&serializer).map_err(|_| AppError::from(Failure::Internal))?;
    match bindings::invoke(C::NAME, js_args).await {
        Ok(value) => serde_wasm_bindgen::from_value::<C::Output>(value)
            .map_err(|_| AppError::from(Failure::Internal)),
        Err(error) => Err(error_from_rejection(serde_wasm_bindgen::from_value(error))),
    }
}

/// Native builds (unit tests) have no shell: every call fails with
/// [`Failure::ShellUnavailable`].
///
/// # Errors
///
/// Always [`Failure::ShellUnavailable`].
#[cfg(not(target_arch = "wasm32"))]
pub async fn call<C: Command>(_args: &C::Args) -> Result<C::Output, AppError> {
    Err(AppError::from(Failure::ShellUnavailable))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use cartable_core::ipc::Language;
    use serde_json::json;

    use super::*;

    fn read(rejection: &serde_json::Value) -> AppError {
        error_from_rejection(serde_json::from_value::<AppError>(rejection.clone()))
    }

    #[test]
    fn a_serialized_problem_is_kept() {
        let rejection =
            json!({"code": "invalid_code", "field": "code", "params": {"attempts_left": 3}});
        let problem = read(&rejection);
        assert_eq!(problem, Failure::InvalidCode { attempts_left: Some(3) }.into());
        assert_eq!(problem.field, Some(cartable_core::Field::Code));
    }

    #[test]
    fn a_code_this_version_does_not_know_is_kept_for_a_generic_message() {
        let rejection = json!({"code": "brand_new_refusal", "params": {"n": 2}});
        let problem = read(&rejection);
        assert_eq!(problem.code(), "brand_new_refusal");
        assert!(matches!(problem.kind, cartable_core::ErrorKind::Other { .. }), "{problem:?}");
        let text = crate::i18n::Translations::load().error(Language::FrCa, &problem);
        assert!(text.contains("brand_new_refusal"), "{text}");
    }

    #[test]
    fn anything_else_is_internal() {
        for rejection in [json!("command sign_in not allowed"), json!(null), json!({"code": ""})] {
            assert_eq!(read(&rejection).code(), "internal", "{rejection}");
        }
    }
}
