#!/usr/bin/env bash
# Runs a command with PostgreSQL and Redis available:
#
#   with-services.sh CMD [ARGS...]
#
# It runs `services.sh up`, exports DATABASE_URL and REDIS_URL from
# .local/services.env, runs CMD in the foreground, and when CMD ends (or on
# Ctrl-C, SIGTERM, SIGHUP) stops the instances that this run started, and only
# those, then exits with CMD's status. SIGTERM and SIGHUP are passed on to CMD;
# so is SIGINT, unless it came from the terminal, which has sent it to CMD
# already. CMD keeps the terminal's standard input.

# The functions below run from traps, which shellcheck does not follow.
# shellcheck disable=SC2317
set -uo pipefail

SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # read by log() in lib.sh
LOG_PREFIX=with-services
# shellcheck source=scripts/lib.sh
. "$SCRIPTS/lib.sh"

(($#)) || {
	echo "usage: ${0##*/} CMD [ARGS...]" >&2
	exit 2
}

session=$(mktemp "${TMPDIR:-/tmp}/manifold-services.XXXXXX") || exit 1
child=

cleanup() {
	trap '' INT TERM HUP
	"$SCRIPTS/services.sh" down --session "$session" || log "stopping services failed"
	rm -f "$session"
}
trap cleanup EXIT
# Until CMD runs, a signal just ends this script (and cleanup runs).
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

"$SCRIPTS/services.sh" up --session "$session" || exit
env_text=$("$SCRIPTS/services.sh" env) || exit
eval "$env_text"
export DATABASE_URL REDIS_URL

# from_terminal reports whether our process group is the terminal's foreground
# group, in which case a Ctrl-C reached CMD directly.
from_terminal() {
	local stat fields
	stat=$(<"/proc/$$/stat") 2>/dev/null || return 1
	# Fields after "(comm) ": state ppid pgrp session tty_nr tpgid ...
	read -ra fields <<<"${stat##*) }"
	[[ ${fields[2]:-} == "${fields[5]:-x}" ]]
}

forward() {
	[[ -n $child ]] || return 0
	if [[ $1 == INT ]] && from_terminal; then
		return 0
	fi
	kill -s "$1" "$child" 2>/dev/null || true
}

# Without job control, bash starts a background job with SIGINT and SIGQUIT
# ignored and /dev/null as standard input: undo both.
exec 3<&0
(
	trap - INT QUIT
	exec "$@"
) <&3 3<&- &
child=$!
exec 3<&-
trap 'forward INT' INT
trap 'forward TERM' TERM
trap 'forward HUP' HUP

# wait returns early (status > 128) when a trapped signal arrives; wait again
# until CMD has really ended.
while :; do
	wait "$child"
	status=$?
	if ((status > 128)) && kill -0 "$child" 2>/dev/null; then
		continue
	fi
	break
done
exit "$status"
