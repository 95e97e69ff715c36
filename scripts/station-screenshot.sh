#!/usr/bin/env bash
# Builds the packing station with WebKit, runs it in a virtual X display for a
# few seconds and saves a screenshot of the screen.
#
#   station-screenshot.sh [OUT.png]       default out/station.png
#
# Environment:
#   MANIFOLD_SERVER_URL   passed to the station (the server it talks to)
#   STATION_BIN           run this binary instead of building bin/manifold-station
#   SCREENSHOT_WAIT       seconds to let the window render before the shot (8)
#   SCREEN_SIZE           virtual screen, WIDTHxHEIGHTxDEPTH (1280x800x24)
# The first free display from :99 up is used.
set -euo pipefail

SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$SCRIPTS")
# shellcheck disable=SC2034 # read by log() in lib.sh
LOG_PREFIX=station-screenshot
# shellcheck source=scripts/lib.sh
. "$SCRIPTS/lib.sh"
cd "$ROOT"

out=${1:-out/station.png}
wait_s=${SCREENSHOT_WAIT:-8}
size=${SCREEN_SIZE:-1280x800x24}
GO=${GO:-go}
if ! command -v "$GO" >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
	GO=/usr/local/go/bin/go
fi

if [[ -n ${STATION_BIN:-} ]]; then
	"$SCRIPTS/deps.sh" screen
	bin=$STATION_BIN
else
	"$SCRIPTS/deps.sh" station screen
	log "building bin/manifold-station"
	(cd desktop && "$GO" build -trimpath -tags desktop,production -o ../bin/manifold-station .)
	bin=bin/manifold-station
fi
mkdir -p "$(dirname "$out")"

xvfb_pid=
app_pid=
cleanup() {
	for p in "$app_pid" "$xvfb_pid"; do
		[[ -n $p ]] || continue
		kill "$p" 2>/dev/null || continue
		for _ in {1..30}; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

display=99
while [[ -e /tmp/.X$display-lock || -e /tmp/.X11-unix/X$display ]]; do
	display=$((display + 1))
done
log "starting Xvfb :$display ($size)"
Xvfb ":$display" -screen 0 "$size" -nolisten tcp -noreset >"${TMPDIR:-/tmp}/manifold-xvfb.$display.log" 2>&1 &
xvfb_pid=$!
for _ in {1..50}; do
	[[ -e /tmp/.X11-unix/X$display ]] && break
	kill -0 "$xvfb_pid" 2>/dev/null || die "Xvfb exited (log: ${TMPDIR:-/tmp}/manifold-xvfb.$display.log)"
	sleep 0.1
done
[[ -e /tmp/.X11-unix/X$display ]] || die "Xvfb :$display did not come up"

export DISPLAY=:$display
# No GPU in a virtual display: WebKit must render in software.
export WEBKIT_DISABLE_COMPOSITING_MODE=${WEBKIT_DISABLE_COMPOSITING_MODE:-1}
export WEBKIT_DISABLE_DMABUF_RENDERER=${WEBKIT_DISABLE_DMABUF_RENDERER:-1}
export LIBGL_ALWAYS_SOFTWARE=${LIBGL_ALWAYS_SOFTWARE:-1}
export NO_AT_BRIDGE=1
if [[ -n ${MANIFOLD_SERVER_URL:-} ]]; then
	export MANIFOLD_SERVER_URL
	log "station talks to $MANIFOLD_SERVER_URL"
fi

log "running $bin for ${wait_s}s"
"$bin" &
app_pid=$!
sleep "$wait_s"
kill -0 "$app_pid" 2>/dev/null || {
	wait "$app_pid" && rc=0 || rc=$?
	app_pid=
	die "$bin exited early with status $rc"
}

import -display ":$display" -window root "$out"
log "saved $out"
