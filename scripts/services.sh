#!/usr/bin/env bash
# Makes sure the PostgreSQL and Redis named by DATABASE_URL and REDIS_URL are running, when they are
# local (127.0.0.1 / localhost): Debian's services do not start by themselves on these machines.
#
# Without DATABASE_URL or REDIS_URL (a laptop on SQLite with Celery in eager mode) it does nothing.
# It fails when a local service is down and cannot be started; remote services are left alone.
set -euo pipefail

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror: %s\033[0m\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        return 1
    fi
}

# parse_url URL: sets URL_SCHEME, URL_USER, URL_HOST, URL_PORT, URL_PATH.
parse_url() {
    local re='^([A-Za-z0-9+.-]+)://(([^:@/]*)(:[^@/]*)?@)?(\[[^]/]*\]|[^:/?]*)(:([0-9]*))?(/([^?#]*))?'
    [[ $1 =~ $re ]] || die "cannot parse the URL ${1%%@*}@…"
    URL_SCHEME=${BASH_REMATCH[1]}
    URL_USER=${BASH_REMATCH[3]}
    URL_HOST=${BASH_REMATCH[5]}
    URL_PORT=${BASH_REMATCH[7]}
    URL_PATH=${BASH_REMATCH[9]}
}

is_local() {
    case "$1" in "" | 127.0.0.1 | localhost | "[::1]") return 0 ;; *) return 1 ;; esac
}

wait_for() { # wait_for SECONDS COMMAND...
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.5
    done
}

ensure_postgres() {
    parse_url "$DATABASE_URL"
    case "$URL_SCHEME" in postgres | postgresql | pgsql | postgis) ;; *) return 0 ;; esac
    local host=${URL_HOST:-127.0.0.1} port=${URL_PORT:-5432} user=${URL_USER:-postgres} db=${URL_PATH:-postgres}
    is_local "$URL_HOST" || return 0
    case "$host" in localhost | "[::1]") host=127.0.0.1 ;; esac
    command -v pg_isready >/dev/null 2>&1 || die "PostgreSQL client tools missing (apt-get install postgresql)"

    if ! pg_isready -q -h "$host" -p "$port"; then
        command -v pg_ctlcluster >/dev/null 2>&1 || die "PostgreSQL is not installed (apt-get install postgresql)"
        # The cluster listening on that port, e.g. "15 main".
        local cluster
        cluster=$(pg_lsclusters --no-header 2>/dev/null | awk -v port="$port" '$3 == port { print $1, $2; exit }')
        [ -n "$cluster" ] || die "no PostgreSQL cluster configured on port $port (see pg_lsclusters)"
        say "Starting PostgreSQL $cluster on port $port"
        # shellcheck disable=SC2086  # "15 main" is two arguments on purpose
        as_root pg_ctlcluster --skip-systemctl-redirect $cluster start \
            || pg_isready -q -h "$host" -p "$port" \
            || die "could not start PostgreSQL $cluster (see /var/log/postgresql/)"
        wait_for 30 pg_isready -q -h "$host" -p "$port" || die "PostgreSQL did not accept connections within 30 s"
    fi
    psql -X -q -h "$host" -p "$port" -U "$user" -d postgres -tAc 'select 1' >/dev/null \
        || die "PostgreSQL runs on $host:$port but refuses the role '$user' (pg_hba.conf must trust it)"
    # The tests create their own test_ database; `make run` on PostgreSQL needs the real one.
    if [ -n "$db" ] && [ "$db" != postgres ] \
        && [ -z "$(psql -X -h "$host" -p "$port" -U "$user" -d postgres -tAc \
            "select 1 from pg_database where datname = '${db//\'/\'\'}'")" ]; then
        say "Creating the database $db"
        createdb -h "$host" -p "$port" -U "$user" "$db"
    fi
}

redis_ping() { [ "$(redis-cli -h "$1" -p "$2" ping 2>/dev/null)" = PONG ]; }

ensure_redis() {
    parse_url "$REDIS_URL"
    case "$URL_SCHEME" in redis) ;; *) return 0 ;; esac
    local host=${URL_HOST:-127.0.0.1} port=${URL_PORT:-6379}
    is_local "$URL_HOST" || return 0
    case "$host" in localhost | "[::1]") host=127.0.0.1 ;; esac
    command -v redis-cli >/dev/null 2>&1 || die "Redis is not installed (apt-get install redis-server)"
    redis_ping "$host" "$port" && return 0
    say "Starting Redis on port $port"
    # No persistence: the broker only holds short-lived task messages and results.
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no >/dev/null \
        || die "could not start redis-server"
    wait_for 10 redis_ping "$host" "$port" || die "Redis did not answer PING within 10 s"
}

if [ -n "${DATABASE_URL:-}" ]; then
    ensure_postgres
fi
if [ -n "${REDIS_URL:-}" ]; then
    ensure_redis
fi
