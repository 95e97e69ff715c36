#!/usr/bin/env bash
# Installs the Debian packages the build and the test suite need, only those
# that are missing: as root directly, otherwise with sudo.
#
#   deps.sh [GROUP...]   GROUP: station, screen, browser; all of them by default
#
#   station  build the Wails station with WebKit: gcc, pkg-config, GTK 3, WebKitGTK 4.0
#   screen   run the station in a virtual display and take a screenshot: Xvfb, ImageMagick
#   browser  the console's browser test: Chromium
set -euo pipefail

SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # read by log() in lib.sh
LOG_PREFIX=deps
# shellcheck source=scripts/lib.sh
. "$SCRIPTS/lib.sh"

group_pkgs() {
	case $1 in
	station) echo gcc libc6-dev pkg-config libgtk-3-dev libwebkit2gtk-4.0-dev ;;
	screen) echo xvfb xauth imagemagick ;;
	browser) echo chromium ;;
	*) die "unknown group '$1' (station, screen, browser)" ;;
	esac
}

groups=("$@")
((${#groups[@]})) || groups=(station screen browser)

wanted=()
for g in "${groups[@]}"; do
	list=$(group_pkgs "$g")
	read -ra pkgs <<<"$list"
	wanted+=("${pkgs[@]}")
done

if ! command -v dpkg >/dev/null 2>&1; then
	log "not a Debian system: make sure the equivalents of these are installed: ${wanted[*]}"
	exit 0
fi

mapfile -t missing < <(missing_pkgs "${wanted[@]}")
if ((${#missing[@]} == 0)); then
	exit 0
fi
apt_install "${missing[@]}"
