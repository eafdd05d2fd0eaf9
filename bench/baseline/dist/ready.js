// The page is shown: tell the app (the bench's start-up mark, src/main.rs `ready`).
window.addEventListener('load', () => window.__TAURI_INTERNALS__.invoke('ready'));
