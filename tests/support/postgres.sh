#!/usr/bin/env bash
# PostgreSQL servers for tests and benchmarks, each in a directory of its own on loopback, with
# fsync on (what the event log promises is measured on a real, durable server):
#   postgres.sh start DIR [SYNC_STANDBY]   initdb + start, anew (a server left in DIR is stopped
#                                          and removed); DIR/uri names database scc as user
#                                          scc. SYNC_STANDBY: the application_name of a standby
#                                          every commit waits for (synchronous_standby_names).
#   postgres.sh standby PRIMARY_DIR DIR NAME   pg_basebackup of the primary, started as its
#                                          streaming standby NAME.
#   postgres.sh promote DIR                the standby becomes a primary (pg_ctl promote).
#   postgres.sh kill DIR                   SIGKILL the postmaster and every backend.
#   postgres.sh stop DIR                   immediate stop; nothing if it is not running.
# PostgreSQL refuses to run as root: as root, its programs run as the postgres user.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ]; then
  echo "postgres.sh: PostgreSQL is not installed (make deps installs it)" >&2
  exit 1
fi

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The directory (and the way to it) must be the postgres user's to use.
prepare() {
  mkdir -p "$1"
  if [ "$(id -u)" -eq 0 ]; then
    chmod a+x "$(dirname "$1")"
    chown -R postgres "$1"
  fi
}

settings() {  # DIR PORT
  echo "-c listen_addresses=127.0.0.1 -p $2 -c unix_socket_directories=$1 -c fsync=on" \
       "-c synchronous_commit=on -c max_connections=300 -c shared_buffers=128MB" \
       "-c wal_level=replica -c max_wal_senders=5 -c wal_sender_timeout=5s" \
       "-c wal_receiver_status_interval=1s"
}

# free_port only saw the port free: a server or test started beside this one may take it first.
# Then another port is tried, and `port` is set to the one the server listens on.
start() {  # DIR PORT EXTRA
  local try=1 p=$2
  until as_postgres "$bin/pg_ctl" -D "$1/data" -l "$1/postgres.log" -w -t 60 \
      -o "$(settings "$1" "$p") $3" start >/dev/null; do
    if [ "$try" -ge 3 ] || ! grep -q "could not bind\|Address already in use" "$1/postgres.log"; then
      cat "$1/postgres.log" >&2
      return 1
    fi
    try=$((try + 1))
    p=$(free_port)
  done
  port=$p
  echo "$p" >"$1/port"
}

cmd=${1:-}
case "$cmd" in
  start)
    dir=$2
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    prepare "$dir"
    port=$(free_port)
    as_postgres "$bin/initdb" -D "$dir/data" -A trust -U scc -E UTF8 --no-instructions \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    extra=""
    if [ -n "${3:-}" ]; then extra="-c synchronous_standby_names=$3"; fi
    start "$dir" "$port" "$extra"
    # Not waiting for a standby that does not exist yet.
    PGOPTIONS="-c synchronous_commit=local" as_postgres "$bin/psql" -q -h 127.0.0.1 -p "$port" \
      -U scc -d postgres -c "CREATE DATABASE scc" >/dev/null
    echo "postgresql://scc@127.0.0.1:$port/scc" >"$dir/uri"
    ;;
  standby)
    primary=$2 dir=$3 name=$4
    prepare "$dir"
    port=$(free_port)
    pport=$(cat "$primary/port")
    as_postgres "$bin/pg_basebackup" -h 127.0.0.1 -p "$pport" -U scc -D "$dir/data" -X stream \
      --checkpoint=fast -R >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; exit 1; }
    # -R wrote primary_conninfo; name the standby so synchronous_standby_names can wait for it.
    echo "primary_conninfo = 'host=127.0.0.1 port=$pport user=scc application_name=$name'" |
      as_postgres tee -a "$dir/data/postgresql.auto.conf" >/dev/null
    start "$dir" "$port" ""
    echo "postgresql://scc@127.0.0.1:$port/scc" >"$dir/uri"
    ;;
  promote)
    as_postgres "$bin/pg_ctl" -D "$2/data" -w -t 60 promote >/dev/null
    ;;
  kill)
    pid=$(head -1 "$2/data/postmaster.pid")
    pkill -KILL -P "$pid" || true
    kill -KILL "$pid"
    ;;
  stop)
    if [ -f "$2/data/postmaster.pid" ]; then
      as_postgres "$bin/pg_ctl" -D "$2/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    ;;
  *)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac
