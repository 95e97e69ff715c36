#!/usr/bin/env bash
# Finds or starts the PostgreSQL and Redis that development and tests use.
#
#   services.sh up [--session FILE]    make both reachable, write .local/services.env
#   services.sh down [--session FILE]  stop the instances this script started
#   services.sh env                    print .local/services.env
#
# PostgreSQL, first that applies:
#   1. DATABASE_URL in the environment: used as it is, only checked to answer;
#   2. a server on 127.0.0.1:5432 that lets us in as superuser postgres without a
#      password: roles manifold (owner, runs migrations, creates test databases)
#      and manifold_app (runtime) and database manifold are ensured there;
#   3. a private cluster under .local/pg on 127.0.0.1:55432 (trust auth), created
#      on first use, with the same roles and database.
# Redis, first that applies: REDIS_URL; 127.0.0.1:6379 if it answers PING; a
# private redis-server on 127.0.0.1:56379 under .local/redis (no persistence).
#
# Instances this script starts are listed in .local/started, and down stops
# those only, keeping their data. With --session FILE, up also lists in FILE
# what that very run started, and down stops only what FILE lists: a wrapper
# then stops what it started and leaves alone what was already running.
#
# Environment:
#   MANIFOLD_FORCE_PRIVATE=1    skip the shared servers, use private instances
#   MANIFOLD_PG_PORT_PROBE      port probed for a shared PostgreSQL (5432)
#   MANIFOLD_REDIS_PORT_PROBE   port probed for a shared Redis (6379)
#   MANIFOLD_PG_PORT            port of the private PostgreSQL (55432)
#   MANIFOLD_REDIS_PORT         port of the private Redis (56379)
set -euo pipefail
shopt -s inherit_errexit

SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$SCRIPTS")
# shellcheck disable=SC2034 # read by log() in lib.sh
LOG_PREFIX=services
# shellcheck source=scripts/lib.sh
. "$SCRIPTS/lib.sh"

LOCAL=$ROOT/.local
STARTED=$LOCAL/started
ENV_FILE=$LOCAL/services.env

FORCE_PRIVATE=${MANIFOLD_FORCE_PRIVATE:-0}
PG_PROBE_PORT=${MANIFOLD_PG_PORT_PROBE:-5432}
REDIS_PROBE_PORT=${MANIFOLD_REDIS_PORT_PROBE:-6379}
PG_PORT=${MANIFOLD_PG_PORT:-55432}
REDIS_PORT=${MANIFOLD_REDIS_PORT:-56379}

usage() {
	echo "usage: ${0##*/} up|down [--session FILE] | env" >&2
	exit 2
}

# ---- small utilities --------------------------------------------------------

# port_open reports whether something accepts TCP connections on 127.0.0.1:$1.
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# sq quotes $1 for a POSIX shell.
sq() {
	local s=${1//\'/\'\\\'\'}
	printf "'%s'" "$s"
}

need_psql() {
	command -v psql >/dev/null 2>&1 || apt_install postgresql-client
}

need_redis_cli() {
	command -v redis-cli >/dev/null 2>&1 || apt_install redis-tools
}

# record adds an entry to .local/started: "started" for an instance this run
# started (also listed in the session file, if any), "known" for one an
# earlier run started that is still running. Fields are tab-separated.
record() {
	local how=$1 line
	shift
	line=$(printf '%s\t' "$@")
	line=${line%$'\t'}
	touch "$STARTED"
	grep -qxF -- "$line" "$STARTED" || printf '%s\n' "$line" >>"$STARTED"
	if [[ $how == started && -n $SESSION ]]; then
		printf '%s\n' "$line" >>"$SESSION"
	fi
}

# unrecord removes an entry from .local/started.
unrecord() {
	[[ -f $STARTED ]] || return 0
	local tmp
	tmp=$(mktemp "$STARTED.XXXXXX")
	grep -vxF -- "$1" "$STARTED" >"$tmp" || true
	chmod 644 "$tmp"
	mv "$tmp" "$STARTED"
}

# ---- PostgreSQL ----------------------------------------------------------------

# psql_admin runs psql as superuser postgres against 127.0.0.1:$1, without ever
# prompting for a password. The caller's PG* settings do not apply to it.
psql_admin() {
	local port=$1
	shift
	env -u PGHOST -u PGHOSTADDR -u PGPORT -u PGUSER -u PGDATABASE -u PGSERVICE \
		-u PGOPTIONS -u PGSSLMODE -u PGTARGETSESSIONATTRS PGCONNECT_TIMEOUT=5 \
		psql -X -w -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"
}

# pg_superuser_ok reports whether 127.0.0.1:$1 lets us in as superuser postgres.
pg_superuser_ok() {
	local out
	out=$(psql_admin "$1" -Atc 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user' 2>/dev/null) &&
		[[ $out == t ]]
}

# pg_ensure_roles creates or completes the roles and the database on 127.0.0.1:$1.
pg_ensure_roles() {
	log "ensuring roles manifold, manifold_app and database manifold on 127.0.0.1:$1"
	psql_admin "$1" <<'SQL'
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'manifold') THEN
        CREATE ROLE manifold LOGIN CREATEDB CREATEROLE;
    ELSE
        ALTER ROLE manifold LOGIN CREATEDB CREATEROLE;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'manifold_app') THEN
        CREATE ROLE manifold_app LOGIN;
    ELSE
        ALTER ROLE manifold_app LOGIN;
    END IF;
END
$$;
SELECT 'CREATE DATABASE manifold OWNER manifold'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'manifold')\gexec
SELECT 'ALTER DATABASE manifold OWNER TO manifold'
 WHERE (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'manifold') <> 'manifold'\gexec
SQL
}

# pg_check_url waits up to 30 s for the server at URL $1 to answer a query.
pg_check_url() {
	local i
	for ((i = 0; i < 30; i++)); do
		if PGCONNECT_TIMEOUT=5 psql -X -w -q -Atc 'SELECT 1' "$1" >/dev/null 2>&1; then
			return 0
		fi
		sleep 1
	done
	PGCONNECT_TIMEOUT=5 psql -X -w -q -Atc 'SELECT 1' "$1" >/dev/null || true
	die "DATABASE_URL does not answer (see the error above)"
}

# pg_bindir prints the directory of the newest installed initdb/pg_ctl.
pg_bindir() {
	local f best=
	for f in /usr/lib/postgresql/*/bin/initdb; do
		[[ -x $f ]] || continue
		if [[ -z $best ]] || [[ $(printf '%s\n%s\n' "$best" "$f" | sort -V | tail -n1) == "$f" ]]; then
			best=$f
		fi
	done
	if [[ -z $best ]]; then
		best=$(command -v initdb 2>/dev/null) || return 1
	fi
	dirname "$best"
}

# as_pg runs a command as the owner of the private cluster: the postgres
# system user when we are root (initdb refuses root), else ourselves.
as_pg() {
	if ((EUID == 0)); then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# pg_home prints the directory of the private cluster, normally .local/pg. When
# root and the postgres user cannot reach the repository (a checkout under a
# private home directory), the cluster lives under /var/lib/manifold-dev.
pg_home() {
	local home=$LOCAL/pg
	if ((EUID != 0)); then
		mkdir -p "$home"
		printf '%s\n' "$home"
		return
	fi
	id postgres >/dev/null 2>&1 || die "the postgres system user is missing (Debian package postgresql)"
	install -d -m 755 -o postgres -g postgres "$home"
	if ! runuser -u postgres -- test -w "$home" 2>/dev/null; then
		home=/var/lib/manifold-dev/$(printf '%s' "$ROOT" | sha256sum | cut -c1-16)/pg
		install -d -m 755 "$(dirname "$home")"
		install -d -m 755 -o postgres -g postgres "$home"
		log "user postgres cannot reach $LOCAL; the private cluster lives in $home"
	fi
	printf '%s\n' "$home"
}

# pg_write_config (re)writes the settings of the private cluster in $1 (data dir).
pg_write_config() {
	local data=$1 home=$2 sockdir=$2/run sockets
	as_pg mkdir -p "$sockdir"
	# A Unix socket path is limited to about 107 bytes; without one, TCP only.
	sockets=$sockdir
	if ((${#sockdir} + 20 > 100)); then sockets=; fi
	as_pg tee "$data/manifold.conf" >/dev/null <<EOF
# Written by scripts/services.sh on every start: a disposable development cluster.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$sockets'
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_duration_statement = -1
EOF
	as_pg tee "$data/pg_hba.conf" >/dev/null <<'EOF'
# Written by scripts/services.sh: trust, but only on this machine.
local   all          all                 trust
host    all          all   127.0.0.1/32  trust
host    all          all   ::1/128       trust
local   replication  all                 trust
host    replication  all   127.0.0.1/32  trust
EOF
	if ! grep -qx "include_if_exists = 'manifold.conf'" "$data/postgresql.conf"; then
		printf "\ninclude_if_exists = 'manifold.conf'\n" | as_pg tee -a "$data/postgresql.conf" >/dev/null
	fi
}

# pg_private ensures the private cluster runs and prints its port.
pg_private() {
	local bindir home data port
	if ! bindir=$(pg_bindir); then
		apt_install postgresql
		bindir=$(pg_bindir) || die "initdb not found after installing postgresql"
	fi
	need_psql
	home=$(pg_home)
	data=$home/data

	if as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		port=$(sed -n 4p "$data/postmaster.pid")
		log "private PostgreSQL already running on 127.0.0.1:$port ($data)"
		record known postgres "$bindir" "$data"
		printf '%s\n' "$port"
		return
	fi

	if [[ ! -f $data/PG_VERSION ]]; then
		log "creating a private PostgreSQL cluster in $data"
		as_pg "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$home/initdb.log" 2>&1 ||
			as_pg "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale >"$home/initdb.log" 2>&1 ||
			{
				cat "$home/initdb.log" >&2
				die "initdb failed"
			}
	fi
	if port_open "$PG_PORT"; then
		die "port $PG_PORT is taken by another program; choose another with MANIFOLD_PG_PORT"
	fi
	pg_write_config "$data" "$home"
	log "starting private PostgreSQL on 127.0.0.1:$PG_PORT"
	if ! as_pg "$bindir/pg_ctl" -D "$data" -l "$home/postgres.log" -w -t 60 -s start >&2; then
		tail -n 20 "$home/postgres.log" >&2 || true
		die "private PostgreSQL did not start (log: $home/postgres.log)"
	fi
	record started postgres "$bindir" "$data"
	printf '%s\n' "$PG_PORT"
}

# pg_up decides which PostgreSQL to use and prints its DATABASE_URL.
pg_up() {
	if [[ -n ${DATABASE_URL:-} ]]; then
		need_psql
		log "using DATABASE_URL from the environment"
		pg_check_url "$DATABASE_URL"
		printf '%s\n' "$DATABASE_URL"
		return
	fi
	local port=
	if [[ $FORCE_PRIVATE != 1 ]] && port_open "$PG_PROBE_PORT"; then
		need_psql
		if pg_superuser_ok "$PG_PROBE_PORT"; then
			log "using the PostgreSQL on 127.0.0.1:$PG_PROBE_PORT"
			port=$PG_PROBE_PORT
		else
			log "the PostgreSQL on 127.0.0.1:$PG_PROBE_PORT does not let superuser postgres in without a password"
		fi
	fi
	if [[ -z $port ]]; then
		port=$(pg_private)
	fi
	pg_ensure_roles "$port"
	printf 'postgres://manifold@127.0.0.1:%s/manifold?sslmode=disable\n' "$port"
}

# ---- Redis -------------------------------------------------------------------------

redis_ping() {
	[[ $(redis-cli --no-auth-warning -h 127.0.0.1 -p "$1" ping 2>/dev/null) == PONG ]]
}

# redis_private ensures the private redis-server runs and prints its port.
redis_private() {
	command -v redis-server >/dev/null 2>&1 || apt_install redis-server
	need_redis_cli
	local dir=$LOCAL/redis pid
	local pidfile=$dir/redis.pid
	mkdir -p "$dir"
	if [[ -s $pidfile ]] && pid=$(<"$pidfile") && kill -0 "$pid" 2>/dev/null && redis_ping "$REDIS_PORT"; then
		log "private Redis already running on 127.0.0.1:$REDIS_PORT (pid $pid)"
		record known redis "$REDIS_PORT" "$pidfile"
		printf '%s\n' "$REDIS_PORT"
		return
	fi
	if port_open "$REDIS_PORT"; then
		die "port $REDIS_PORT is taken by another program; choose another with MANIFOLD_REDIS_PORT"
	fi
	log "starting private Redis on 127.0.0.1:$REDIS_PORT"
	rm -f "$pidfile"
	redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes \
		--save '' --appendonly no --dir "$dir" --pidfile "$pidfile" --logfile "$dir/redis.log" >&2 ||
		die "redis-server failed to start (log: $dir/redis.log)"
	local i
	for ((i = 0; i < 50; i++)); do
		if redis_ping "$REDIS_PORT"; then
			record started redis "$REDIS_PORT" "$pidfile"
			printf '%s\n' "$REDIS_PORT"
			return
		fi
		sleep 0.2
	done
	tail -n 20 "$dir/redis.log" >&2 || true
	die "private Redis does not answer on 127.0.0.1:$REDIS_PORT (log: $dir/redis.log)"
}

# redis_up decides which Redis to use and prints its REDIS_URL.
redis_up() {
	if [[ -n ${REDIS_URL:-} ]]; then
		need_redis_cli
		log "using REDIS_URL from the environment"
		local i
		for ((i = 0; i < 30; i++)); do
			if [[ $(redis-cli --no-auth-warning -u "$REDIS_URL" ping 2>/dev/null) == PONG ]]; then
				printf '%s\n' "$REDIS_URL"
				return
			fi
			sleep 1
		done
		redis-cli --no-auth-warning -u "$REDIS_URL" ping >&2 || true
		die "REDIS_URL does not answer PING"
	fi
	if [[ $FORCE_PRIVATE != 1 ]] && port_open "$REDIS_PROBE_PORT"; then
		need_redis_cli
		if redis_ping "$REDIS_PROBE_PORT"; then
			log "using the Redis on 127.0.0.1:$REDIS_PROBE_PORT"
			printf 'redis://127.0.0.1:%s/0\n' "$REDIS_PROBE_PORT"
			return
		fi
		log "127.0.0.1:$REDIS_PROBE_PORT does not answer PING"
	fi
	local port
	port=$(redis_private)
	printf 'redis://127.0.0.1:%s/0\n' "$port"
}

# ---- commands ------------------------------------------------------------------------

cmd_up() {
	local db redis tmp
	db=$(pg_up)
	redis=$(redis_up)
	tmp=$(mktemp "$ENV_FILE.XXXXXX")
	{
		printf 'export DATABASE_URL=%s\n' "$(sq "$db")"
		printf 'export REDIS_URL=%s\n' "$(sq "$redis")"
	} >"$tmp"
	chmod 644 "$tmp"
	mv "$tmp" "$ENV_FILE"
	log "ready: DATABASE_URL=$db REDIS_URL=$redis"
}

stop_entry() {
	local kind a b pid
	IFS=$'\t' read -r kind a b <<<"$1"
	case $kind in
	postgres)
		if [[ -f $b/postmaster.pid ]] && as_pg "$a/pg_ctl" -D "$b" status >/dev/null 2>&1; then
			log "stopping private PostgreSQL ($b)"
			as_pg "$a/pg_ctl" -D "$b" -m fast -w -t 60 -s stop >&2 || log "pg_ctl stop failed for $b"
		fi
		;;
	redis)
		if [[ -s $b ]] && pid=$(<"$b") && kill -0 "$pid" 2>/dev/null; then
			log "stopping private Redis on 127.0.0.1:$a"
			redis-cli -h 127.0.0.1 -p "$a" shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
			local i
			for ((i = 0; i < 50; i++)); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
		fi
		;;
	*) log "ignoring unknown entry: $1" ;;
	esac
	unrecord "$1"
}

cmd_down() {
	local list=$STARTED line
	if [[ -n $SESSION ]]; then list=$SESSION; fi
	[[ -s $list ]] || return 0
	# Read the list first: stop_entry rewrites .local/started.
	local entries=()
	while IFS= read -r line; do
		[[ -n $line ]] && entries+=("$line")
	done <"$list"
	for line in "${entries[@]}"; do
		stop_entry "$line"
	done
	if [[ -n $SESSION ]]; then : >"$SESSION"; fi
}

cmd=${1:-}
shift || true
SESSION=
while (($#)); do
	case $1 in
	--session)
		[[ $# -ge 2 ]] || usage
		SESSION=$2
		shift 2
		;;
	*) usage ;;
	esac
done

case $cmd in
up | down)
	[[ -d $LOCAL ]] || mkdir -m 755 "$LOCAL"
	# One up or down at a time. flock -o keeps the lock out of the daemons
	# started below, which would otherwise hold it for as long as they run.
	if [[ -z ${MANIFOLD_SERVICES_LOCKED:-} ]]; then
		exec flock -o "$LOCAL/.lock" env MANIFOLD_SERVICES_LOCKED=1 "$SCRIPTS/services.sh" "$cmd" ${SESSION:+--session "$SESSION"}
	fi
	"cmd_$cmd"
	;;
env)
	[[ -f $ENV_FILE ]] || die "no $ENV_FILE yet: run '${0##*/} up' first"
	cat "$ENV_FILE"
	;;
*) usage ;;
esac
