#!/usr/bin/env bash
# Runs src-tauri/tests/keychain.rs against a real Secret Service (gnome-keyring-daemon, unlocked)
# and in the three states where no keychain is usable: no session bus, a bus
# without a Secret Service, a locked collection. Each state gets a throw-away HOME.
# Needs: dbus-run-session (dbus), gnome-keyring. Usage: src-tauri/tests/keychain.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

# Build once with the caller's HOME (rustup and cargo live there), then run the binary itself.
# Cargo's JSON lines only: proc macros' own prints reach the same stream (tauri's
# "Removed unused commands from …" when tauri or a plugin compiles).
bin=$(cargo test --workspace --test keychain --no-run --message-format=json-render-diagnostics \
  | python3 -c 'import json,sys
for line in sys.stdin:
    if not line.startswith("{"):
        continue
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "keychain" and m.get("executable"):
        print(m["executable"])')
[ -x "$bin" ] || { echo "keychain test binary not found" >&2; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

run() { # run STATE EXPECT COMMAND...
  local state=$1 expect=$2; shift 2
  local home="$scratch/$state"
  mkdir -p "$home/runtime"
  chmod 700 "$home/runtime"
  echo "== keychain: $state (expect $expect)"
  env HOME="$home" XDG_RUNTIME_DIR="$home/runtime" XDG_DATA_HOME="$home/data" \
    CARTABLE_KEYCHAIN_EXPECT="$expect" NO_AT_BRIDGE=1 "$@"
}

tests="$bin --ignored --test-threads=1 --nocapture"

# 1. A real, unlocked Secret Service: write in one process, read in another, delete.
run secret-service available dbus-run-session -- sh -c \
  "printf throwaway | gnome-keyring-daemon --unlock --components=secrets >/dev/null && $tests"

# 2. No session bus at all.
run no-bus unavailable env -u DBUS_SESSION_BUS_ADDRESS sh -c "$tests"

# 3. A session bus on which nothing provides org.freedesktop.secrets (no service activation).
cat > "$scratch/bare-session.conf" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
run bus-without-secret-service unavailable \
  dbus-run-session --config-file="$scratch/bare-session.conf" -- sh -c "$tests"

# 4. gnome-keyring running but its collection locked (never unlocked; no prompter).
run locked-collection unavailable dbus-run-session -- sh -c \
  "gnome-keyring-daemon --start --components=secrets >/dev/null && $tests"

echo "keychain: all four states passed"
