#!/bin/sh
# The packages, proven by installing them: after `cargo xtask package` (target/packages/) or the
# packages stage of `cargo xtask test` (target/packages-verification/, the `verification` profile),
#  1. checks the SHA-256 of the packages folder's files, and that the .rpm (`rpm -qpl`) holds the
#     same files as the .deb (`dpkg-deb -c`);
#  2. installs the .deb with apt as a parent would (`apt-get install ./cartable_….deb`), checks its
#     desktop entry and AppStream metainfo, and that every library /usr/bin/cartable links to comes
#     with the package's Depends (dpkg-shlibdeps against `apt-cache depends --recurse`);
#  3. runs the installed /usr/bin/cartable in the end-to-end world (tests/e2e.sh: Xvfb, D-Bus,
#     gnome-keyring) through the login form and a demo sign-up (scenario 1);
#  4. starts it once more as a parent would, without WebDriver, in a home folder of its own,
#     and photographs the window;
#  5. purges the package and checks that nothing of it is left: only that parent's own folders.
# Artefacts (file lists, screenshots) in target/package-check/.
#
# Usage: sh tests/package.sh [packages folder]   (default target/packages; relative to the
# repository root; apt-get runs through sudo when not root)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

packages=${1:-target/packages}
packages=${packages%/}
out="$root/target/package-check"
rm -rf "$out"
mkdir -p "$out"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
fail() { echo "package check: $*" >&2; exit 1; }
step() { printf '\n· %s\n' "$*"; }

case $packages in
  target/packages) made_by="cargo xtask package" ;;
  target/packages-verification) made_by="cargo xtask test (its packages stage)" ;;
  *) made_by="the build that fills $packages" ;;
esac
# apt needs a path with a slash to take a file: ./ before a relative folder.
case $packages in /* | ./*) ;; *) packages=./$packages ;; esac
set -- "$packages"/cartable_*.deb
[ $# = 1 ] && [ -f "$1" ] || fail "expected one $packages/cartable_*.deb: run \`$made_by\` first"
deb=$1
set -- "$packages"/cartable-*.rpm
[ $# = 1 ] && [ -f "$1" ] || fail "expected one $packages/cartable-*.rpm: run \`$made_by\` first"
rpm=$1

step "checksums"
(cd "$packages" && sha256sum -c ./*.sha256)
ls -l "$deb" "$rpm"

step "the .deb: control fields and files"
dpkg-deb -f "$deb" Package Version Architecture Installed-Size Depends Recommends Section
dpkg-deb -c "$deb" | tee "$out/deb-contents.txt"
# Every entry, as an absolute path (directories included), and the files alone.
awk '{print $6}' "$out/deb-contents.txt" | sed 's#^\./##; s#/$##; /^$/d; s#^#/#' | sort >"$out/deb-paths.txt"
awk '$1 !~ /^d/ {print $6}' "$out/deb-contents.txt" | sed 's#^\./##; s#^#/#' | sort >"$out/deb-files.txt"

step "the .rpm: requirements and files"
rpm -qp --queryformat '%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\n' "$rpm" 2>/dev/null
rpm -qp --requires "$rpm" 2>/dev/null | sed 's/^/Requires: /'
rpm -qp --recommends "$rpm" 2>/dev/null | sed 's/^/Recommends: /'
rpm -qpl "$rpm" 2>/dev/null | sort | tee "$out/rpm-files.txt"
if ! diff -u "$out/deb-files.txt" "$out/rpm-files.txt"; then
  fail "the .rpm's files differ from the .deb's (above: - deb, + rpm)"
fi
echo "same $(wc -l <"$out/rpm-files.txt") files in the .deb and the .rpm"

status=$(dpkg-query -W -f='${db:Status-Status}' cartable 2>/dev/null || true)
[ "$status" != installed ] || fail "cartable is already installed here; this check installs and purges it: \`apt-get remove cartable\` first"

# What of the package's paths is already there (shared folders such as /usr/share/icons/hicolor):
# removing the package must leave exactly these.
while read -r path; do
  if [ -e "$path" ]; then echo "$path"; fi
done <"$out/deb-paths.txt" >"$out/present-before.txt"

xvfb=
installed=
cleanup() {
  [ -z "$xvfb" ] || kill "$xvfb" 2>/dev/null || true
  if [ -n "$installed" ]; then
    echo "package check: purging cartable after a failure" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get remove --purge -y -qq cartable >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT INT TERM

step "apt-get install $deb"
# $deb has a slash (above), as apt needs to take a file; a parent would do the same from a
# download folder.
installed=yes
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$deb"
dpkg -L cartable | sort | tee "$out/dpkg-L.txt"
[ -x /usr/bin/cartable ] || fail "/usr/bin/cartable is missing or not executable"
desktop=/usr/share/applications/Cartable.desktop
metainfo=/usr/share/metainfo/ca.cartable.client.metainfo.xml
[ -f "$desktop" ] || fail "$desktop is missing"
[ -f "$metainfo" ] || fail "$metainfo is missing"
for size in 32x32 128x128 256x256 512x512; do
  [ -f "/usr/share/icons/hicolor/$size/apps/cartable.png" ] || fail "no $size icon"
done
cat "$desktop"
if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$desktop"; fi
if command -v appstreamcli >/dev/null; then appstreamcli validate --no-net "$metainfo"; fi

step "every library /usr/bin/cartable links to comes with the package's Depends"
if command -v dpkg-shlibdeps >/dev/null; then
  shlibs="$out/shlibs"
  mkdir -p "$shlibs/debian"
  printf 'Source: cartable\n\nPackage: cartable\nArchitecture: any\n' >"$shlibs/debian/control"
  needed=$(cd "$shlibs" && dpkg-shlibdeps -O /usr/bin/cartable 2>/dev/null | sed 's/^shlibs:Depends=//')
  echo "dpkg-shlibdeps: $needed"
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances cartable 2>/dev/null |
    sed -n 's/^ *|\{0,1\}\(Pre\)\{0,1\}Depends: //p; /^[^ ]/p' | tr -d '<>' | sort -u >"$out/depends-closure.txt"
  # Each "pkg (>= v) | alt" group: one of its packages must be pulled in.
  echo "$needed" | tr ',' '\n' | while read -r group; do
    [ -n "$group" ] || continue
    found=
    for alt in $(echo "$group" | tr '|' '\n' | sed 's/(.*)//; s/:any//' | tr -d ' '); do
      if grep -qx "$alt" "$out/depends-closure.txt"; then found=$alt; fi
    done
    [ -n "$found" ] || fail "the binary needs $group, which the package's Depends do not pull in"
  done
  echo "all of them are in the Depends' closure ($(wc -l <"$out/depends-closure.txt") packages)"
else
  echo "dpkg-shlibdeps missing (dpkg-dev): not checked"
fi

step "the installed app in the end-to-end world: login form, then a demo sign-up"
CARTABLE_APP=/usr/bin/cartable CARTABLE_E2E_OUT="$out/e2e" \
  sh tests/e2e.sh --exact e2e_1_sign_up_wrong_code_then_weak_then_valid_password

step "the installed app started as a parent would (no WebDriver), in a home of its own"
parent="$out/parent-home"
mkdir -p "$parent/run"
chmod 700 "$parent/run"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$out/display" >"$out/xvfb.log" 2>&1 &
xvfb=$!
for _ in $(seq 50); do [ -s "$out/display" ] && break; sleep 0.1; done
[ -s "$out/display" ] || fail "Xvfb did not start: $(cat "$out/xvfb.log")"
data="$parent/.local/share/ca.cartable.client"
HOME="$parent" XDG_DATA_HOME="$parent/.local/share" XDG_CONFIG_HOME="$parent/.config" \
  XDG_CACHE_HOME="$parent/.cache" XDG_RUNTIME_DIR="$parent/run" NO_AT_BRIDGE=1 \
  DISPLAY=":$(cat "$out/display")" SHOT="$out/installed-app.png" DATA="$data" \
  dbus-run-session -- sh -c '
    set -eu
    printf "package-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    /usr/bin/cartable >"$HOME/cartable.log" 2>&1 &
    app=$!
    # Up when its window is mapped and the embedded demo portal has made its database.
    up=
    for _ in $(seq 120); do
      if xwininfo -root -tree 2>/dev/null | grep -q "\"Cartable\"" && [ -d "$DATA/demo-portal" ]; then
        up=yes; break
      fi
      kill -0 $app 2>/dev/null || break
      sleep 0.5
    done
    # The page paints after the window maps; no hook to wait on outside WebDriver.
    [ -z "$up" ] || sleep 4
    # Its window and WM_CLASS: StartupWMClass in the desktop entry matches the instance name.
    xwininfo -root -tree 2>/dev/null | grep "\"Cartable\"" >&2 || true
    import -display "$DISPLAY" -window root "$SHOT"
    kill $app 2>/dev/null || true
    wait $app 2>/dev/null || true
    [ -n "$up" ] || { cat "$HOME/cartable.log"; echo "the installed app did not come up"; exit 1; }
  ' >"$out/parent-session.log" 2>&1 || { cat "$out/parent-session.log" >&2; fail "the installed app did not start"; }
kill "$xvfb" 2>/dev/null || true
xvfb=
grep '"Cartable"' "$out/parent-session.log" || true
echo "screenshot: $out/installed-app.png"

step "apt-get remove --purge cartable"
as_root env DEBIAN_FRONTEND=noninteractive apt-get remove --purge -y cartable
installed=
status=$(dpkg-query -W -f='${db:Status-Status}' cartable 2>/dev/null || true)
[ "$status" != installed ] || fail "cartable is still installed after the purge ($status)"
left=$(while read -r path; do
  if [ -e "$path" ] && ! grep -qxF "$path" "$out/present-before.txt"; then echo "$path"; fi
done <"$out/dpkg-L.txt")
[ -z "$left" ] || fail "left after the purge: $left"
echo "nothing of the package is left ($(wc -l <"$out/dpkg-L.txt") paths checked)"
# dpkg never touches home folders: the parent's data stays, as with any Debian package.
[ -d "$data" ] || fail "the parent's data folder $data should have been kept"
echo "kept, as intended: the parent's own folders"
for dir in "$parent/.local/share/ca.cartable.client" "$parent/.config/ca.cartable.client"; do
  [ ! -e "$dir" ] || du -sh "$dir"
done
