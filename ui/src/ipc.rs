//! Calls into the Tauri shell: one typed function for every command of
//! [`cartable_core::ipc`].
//!
//! Every portal action goes through [`call`], which invokes
//! `window.__TAURI__.core.invoke(C::NAME, {args})` (the shell's handlers take one parameter named
//! `args`) and decodes the answer as `C::Output`. Every failure is a [`Problem`]: the shell's own
//! (`{code, field, params}`), or one of the codes of this module when the call could not be made
//! at all. The binding uses `catch`, so a command error is a `Result`, never a panic
//! (tauri-docs issue #3457).

use cartable_core::Problem;
use cartable_core::ipc::Command;

/// The page runs outside the Cartable shell (`window.__TAURI__` is missing, e.g. a plain
/// browser showing `ui/dist`): nothing can reach a portal.
pub const SHELL_UNAVAILABLE: &str = "shell_unavailable";

/// Codes this module emits itself, besides the shell's (for translation completeness tests).
pub const UI_CODES: &[&str] = &[SHELL_UNAVAILABLE];

/// Turns whatever the shell rejected a call with, read as a [`Problem`], into one.
///
/// The shell rejects with a serialized `Problem`; anything else (a bare string from Tauri itself,
/// e.g. "command not allowed", or `null`) does not read as one and becomes `internal`, so the
/// UI never shows raw text.
pub fn problem_from_rejection<E>(read: Result<Problem, E>) -> Problem {
    match read {
        Ok(problem) if !problem.code.is_empty() => problem,
        _ => Problem::new(cartable_core::ipc::codes::INTERNAL),
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
/// The shell's [`Problem`]; [`SHELL_UNAVAILABLE`] outside the shell; `internal` when the
/// arguments cannot be encoded or the answer cannot be decoded (a shell/UI version mismatch).
#[cfg(target_arch = "wasm32")]
pub async fn call<C: Command>(args: &C::Args) -> Result<C::Output, Problem> {
    use serde::Serialize;

    if !bindings::shell_present() {
        return Err(Problem::new(SHELL_UNAVAILABLE));
    }
    // `json_compatible`: Tauri reads plain JS objects (not `Map`s) and JSON numbers. The
    // arguments go straight to JS values, without a `serde_json::Value` in between.
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let js_args = Payload { args }
        .serialize(&serializer)
        .map_err(|_| Problem::new(cartable_core::ipc::codes::INTERNAL))?;
    match bindings::invoke(C::NAME, js_args).await {
        Ok(value) => serde_wasm_bindgen::from_value::<C::Output>(value)
            .map_err(|_| Problem::new(cartable_core::ipc::codes::INTERNAL)),
        Err(error) => Err(problem_from_rejection(serde_wasm_bindgen::from_value(error))),
    }
}

/// Native builds (unit tests) have no shell: every call fails with [`SHELL_UNAVAILABLE`].
///
/// # Errors
///
/// Always [`SHELL_UNAVAILABLE`].
#[cfg(not(target_arch = "wasm32"))]
pub async fn call<C: Command>(_args: &C::Args) -> Result<C::Output, Problem> {
    Err(Problem::new(SHELL_UNAVAILABLE))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(rejection: &serde_json::Value) -> Problem {
        problem_from_rejection(serde_json::from_value::<Problem>(rejection.clone()))
    }

    #[test]
    fn a_serialized_problem_is_kept() {
        let rejection =
            json!({"code": "invalid_code", "field": "code", "params": {"attempts_left": 3}});
        let problem = read(&rejection);
        assert_eq!(problem.code, "invalid_code");
        assert_eq!(problem.field.as_deref(), Some("code"));
        assert_eq!(problem.params.get("attempts_left"), Some(&json!(3)));
    }

    #[test]
    fn anything_else_is_internal() {
        for rejection in [json!("command sign_in not allowed"), json!(null), json!({"code": ""})] {
            assert_eq!(read(&rejection).code, "internal", "{rejection}");
        }
    }
}
