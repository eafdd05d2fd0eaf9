#!/bin/sh
# The end-to-end suite in the real app window: Xvfb for the display, a private D-Bus session with an
# unlocked gnome-keyring (the real Secret Service), throw-away data and config folders, and the debug
# app binary built by `cargo test --workspace` (or $CARTABLE_APP: tests/package.sh runs a scenario
# with the installed /usr/bin/cartable, screenshots in its $CARTABLE_E2E_OUT). The Rust side
# (tests/tests/e2e.rs) starts tauri-driver (WebDriver, port 4444) and drives the app through
# WebKitWebDriver.
#
# Usage: sh tests/e2e.sh [extra cargo test args]   (run from the repository root; `cargo xtask test` does)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# axe-core, pinned in tests/package.json, audits each step's screen (tests/src/axe.rs): install it
# when missing or older than the lock file.
if [ ! tests/node_modules/.package-lock.json -nt tests/package-lock.json ]; then
  npm ci --prefix tests --no-audit --no-fund
fi

scratch=$(mktemp -d /tmp/cartable-e2e.XXXXXX)
# Xvfb picks a free display and writes its number to fd 3, so two runs never share a screen.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$scratch/display" >"$scratch/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; rm -rf "$scratch"' EXIT INT TERM
for _ in $(seq 50); do [ -s "$scratch/display" ] && break; sleep 0.1; done
[ -s "$scratch/display" ] || { echo "Xvfb did not start:" >&2; cat "$scratch/xvfb.log" >&2; exit 1; }

export DISPLAY=":$(cat "$scratch/display")"
# No accessibility bus helpers (at-spi) in the throw-away session: they only add start-up time.
export NO_AT_BRIDGE=1
export XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache"
export XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# A Downloads folder, as a desktop's user-dirs.dirs names it (where the app saves a verified update).
export XDG_DOWNLOAD_DIR="$scratch/downloads"
mkdir -p "$XDG_DOWNLOAD_DIR"
printf 'XDG_DOWNLOAD_DIR="%s"\n' "$XDG_DOWNLOAD_DIR" >"$XDG_CONFIG_HOME/user-dirs.dirs"
# The "system browser": a desktop entry registered as the http(s) handler, so the app's opener goes
# the real way (tauri-plugin-opener, xdg-open, the default handler). It only writes each URL to a
# file; the social sign-in scenario opens that URL in headless Chromium through chromedriver.
export CARTABLE_E2E_BROWSER_LOG="$scratch/opened-urls"
printf '#!/bin/sh\nprintf "%%s\\n" "$1" >>"%s"\n' "$CARTABLE_E2E_BROWSER_LOG" >"$scratch/browser"
chmod +x "$scratch/browser"
mkdir -p "$XDG_DATA_HOME/applications"
printf '[Desktop Entry]\nType=Application\nName=Cartable e2e browser\nExec=%s %%u\nMimeType=x-scheme-handler/http;x-scheme-handler/https;\nNoDisplay=true\n' \
  "$scratch/browser" >"$XDG_DATA_HOME/applications/cartable-e2e-browser.desktop"
printf '[Default Applications]\nx-scheme-handler/http=cartable-e2e-browser.desktop\nx-scheme-handler/https=cartable-e2e-browser.desktop\n' \
  >"$XDG_CONFIG_HOME/mimeapps.list"
# A broken "system browser" (a handler that cannot start, as in some AppImage environments):
# it notes each URL, complains and fails. A scenario registers it instead (Env::register_browser).
export CARTABLE_E2E_BROKEN_BROWSER_LOG="$scratch/refused-urls"
printf '#!/bin/sh\nprintf "%%s\\n" "$1" >>"%s"\necho "cartable-e2e-broken-browser: cannot start" >&2\nexit 1\n' \
  "$CARTABLE_E2E_BROKEN_BROWSER_LOG" >"$scratch/broken-browser"
chmod +x "$scratch/broken-browser"
printf '[Desktop Entry]\nType=Application\nName=Cartable e2e broken browser\nExec=%s %%u\nMimeType=x-scheme-handler/http;x-scheme-handler/https;\nNoDisplay=true\n' \
  "$scratch/broken-browser" >"$XDG_DATA_HOME/applications/cartable-e2e-broken-browser.desktop"
export CARTABLE_APP="${CARTABLE_APP:-$root/target/debug/cartable}"
export CARTABLE_E2E_OUT="${CARTABLE_E2E_OUT:-$root/target/e2e}"
# The harness wipes app data and keychain entries only inside this folder's world.
export CARTABLE_E2E_SCRATCH="$scratch"
# No portal configured: the app must start its embedded demo portal.
# No update server either (the signed-updates scenario gives its own to the app it launches).
unset CARTABLE_PORTAL_URL CARTABLE_AUTHORITY CARTABLE_API_BASE CARTABLE_CLIENT_ID || true
unset CARTABLE_UPDATE_URL CARTABLE_UPDATE_PUBKEY || true

dbus-run-session -- sh -c '
  set -eu
  printf "e2e-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  cargo test --workspace --test e2e -- --ignored --test-threads=1 "$@"
' sh "$@"
