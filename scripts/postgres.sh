#!/usr/bin/env bash
# A private, throw-away PostgreSQL cluster for the reference server's PostgreSQL tests.
#
#   eval "$(scripts/postgres.sh start)"   # installs PostgreSQL from Debian when missing,
#                                          # starts a cluster, prints `export GITLAB_JOBS_TEST_POSTGRES=…`
#   scripts/postgres.sh url               # the URL of the running cluster
#   scripts/postgres.sh stop              # stops it and removes its directory
#
# The cluster lives in a temporary directory, listens on a free loopback port only (no TCP
# from elsewhere, trust authentication) and keeps its socket in that directory, so it never
# touches a system cluster. It is tuned for tests: no fsync (the data is disposable).
# `start` and `stop` are idempotent; everything but the export line goes to the log file.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/lib.sh"
# One cluster per checkout and user: the state file records where it is.
checkout_key="$(printf '%s' "$root" | cksum | cut -d' ' -f1)"
state="${GITLAB_JOBS_POSTGRES_STATE:-${TMPDIR:-/tmp}/gitlab-jobs-postgres-$(id -u)-$checkout_key.env}"
database=gitlab_jobs

# The newest initdb of Debian's packages (/usr/lib/postgresql/<major>/bin), else one on PATH.
find_bindir() {
    local candidate
    candidate="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$candidate" && -x "$candidate/initdb" ]]; then
        echo "$candidate"
    elif command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

install_postgres() {
    local needs_root="PostgreSQL is not installed and installing it needs root: apt-get install postgresql"
    command -v apt-get >/dev/null 2>&1 ||
        die "PostgreSQL is not installed and this is not a Debian-like system: install it, then retry"
    echo "installing PostgreSQL from the Debian packages" >&2
    {
        as_root "$needs_root" apt-get update -qq
        as_root "$needs_root" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends postgresql
    } >>"$log" 2>&1 || die "apt-get install postgresql failed (see $log)"
}

# The server refuses to run as root: as root, the cluster belongs to the `postgres` system
# user (which Debian's package creates; made here if it is missing).
cluster_user() {
    if [[ "$(id -u)" -ne 0 ]]; then
        id -un
        return
    fi
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /bin/false postgres
    echo postgres
}

as_cluster_user() {
    if [[ "$(id -u)" -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

running() {
    [[ -f "$state" ]] || return 1
    # shellcheck disable=SC1090
    source "$state"
    [[ -n "${PGDATA_DIR:-}" && -d "$PGDATA_DIR" ]] || return 1
    as_cluster_user "$BINDIR/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1
}

url() {
    echo "postgres://$CLUSTER_USER@127.0.0.1:$PORT/$database"
}

start() {
    if running; then
        echo "export GITLAB_JOBS_TEST_POSTGRES=$(url)"
        return
    fi
    [[ -f "$state" ]] && stop
    log="$(mktemp "${TMPDIR:-/tmp}/gitlab-jobs-postgres-XXXXXX.log")"
    BINDIR="$(find_bindir)"
    if [[ -z "$BINDIR" ]]; then
        install_postgres
        BINDIR="$(find_bindir)"
        [[ -n "$BINDIR" ]] || die "no initdb after installing PostgreSQL (see $log)"
    fi
    CLUSTER_USER="$(cluster_user)"
    PGDATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/gitlab-jobs-postgres-XXXXXX")"
    chmod 755 "$PGDATA_DIR"
    [[ "$(id -u)" -eq 0 ]] && chown "$CLUSTER_USER" "$PGDATA_DIR" "$log"
    as_cluster_user "$BINDIR/initdb" -D "$PGDATA_DIR/data" -U "$CLUSTER_USER" \
        --auth=trust --encoding=UTF8 --locale=C >>"$log" 2>&1 ||
        die "initdb failed (see $log)"
    # Try ports until one starts: a port free when probed may be taken before the server
    # binds it, so the start itself is the test.
    local attempt
    for attempt in $(seq 1 20); do
        PORT=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        port_in_use "$PORT" && continue
        if as_cluster_user "$BINDIR/pg_ctl" -D "$PGDATA_DIR/data" -l "$PGDATA_DIR/server.log" -w -t 60 \
            -o "-p $PORT -c listen_addresses=127.0.0.1 -k $PGDATA_DIR -c fsync=off \
                -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            start >>"$log" 2>&1; then
            break
        fi
        PORT=""
    done
    [[ -n "${PORT:-}" ]] || die "the server did not start on any port (see $PGDATA_DIR/server.log)"
    as_cluster_user "$BINDIR/createdb" -h "$PGDATA_DIR" -p "$PORT" -U "$CLUSTER_USER" "$database" \
        >>"$log" 2>&1 || die "createdb failed (see $log)"
    PGDATA_DIR="$PGDATA_DIR/data"
    printf 'BINDIR=%q\nPGDATA_DIR=%q\nPORT=%q\nCLUSTER_USER=%q\nLOG=%q\n' \
        "$BINDIR" "$PGDATA_DIR" "$PORT" "$CLUSTER_USER" "$log" >"$state"
    echo "export GITLAB_JOBS_TEST_POSTGRES=$(url)"
}

stop() {
    [[ -f "$state" ]] || return 0
    # shellcheck disable=SC1090
    source "$state"
    if [[ -n "${PGDATA_DIR:-}" && -d "$PGDATA_DIR" ]]; then
        as_cluster_user "$BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
        rm -rf "$(dirname "$PGDATA_DIR")"
    fi
    rm -f "${LOG:-}" "$state"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
url)
    running || die "no cluster is running (scripts/postgres.sh start)"
    url
    ;;
*)
    echo "usage: $0 start|url|stop" >&2
    exit 2
    ;;
esac
