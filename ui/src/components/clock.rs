//! A ticking clock for countdowns ("Envoyer un nouveau code" in 0:42, the code's time left).

use sycamore::prelude::*;

use crate::dates::now_unix;

/// A signal holding the current Unix second, updated every second while the calling component
/// lives (the interval is cleared on cleanup).
pub fn use_clock() -> ReadSignal<i64> {
    let now = create_signal(now_unix());
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        let tick = Closure::<dyn FnMut()>::new(move || now.set(now_unix()));
        let id = window()
            .set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                1000,
            )
            .ok();
        on_cleanup(move || {
            if let Some(id) = id {
                window().clear_interval_with_handle(id);
            }
            drop(tick);
        });
    }
    *now
}
