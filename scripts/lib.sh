# shellcheck shell=bash
# Helpers shared by the scripts in this directory. Source it; do not run it.

# log prints a progress line on stderr, prefixed with the calling script's name.
log() { printf '%s: %s\n' "${LOG_PREFIX:-${0##*/}}" "$*" >&2; }

# die prints an error on stderr and exits 1.
die() {
	log "error: $*"
	exit 1
}

# pkg_installed reports whether the Debian package $1 is installed.
pkg_installed() {
	command -v dpkg >/dev/null 2>&1 || return 1
	dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

# missing_pkgs prints, one per line, those of the given Debian packages that are not installed.
missing_pkgs() {
	local p
	for p in "$@"; do
		pkg_installed "$p" || printf '%s\n' "$p"
	done
}

_apt_updated=

# apt_install installs Debian packages without questions: as root directly,
# otherwise through sudo when there is one. It runs apt-get update once per
# process. Without a way to install, it fails naming the packages.
apt_install() {
	(($#)) || return 0
	local sudo=()
	if ((EUID != 0)); then
		command -v sudo >/dev/null 2>&1 ||
			die "not root and no sudo: install these Debian packages first: $*"
		if [[ -t 0 ]]; then sudo=(sudo); else sudo=(sudo -n); fi
	fi
	command -v apt-get >/dev/null 2>&1 ||
		die "apt-get not found: install the equivalent of these Debian packages: $*"
	local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300)
	if [[ -z $_apt_updated ]]; then
		log "apt-get update"
		"${apt[@]}" update -qq >&2 || die "apt-get update failed; install these Debian packages: $*"
		_apt_updated=1
	fi
	log "installing $*"
	"${apt[@]}" install -y -qq --no-install-recommends "$@" >&2 ||
		die "could not install these Debian packages: $*"
}
