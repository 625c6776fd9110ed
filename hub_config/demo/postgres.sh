#!/usr/bin/env bash
# The machine's PostgreSQL (Debian's cluster 15/main) for the demo's production profile,
# as root, without systemd. The tests start the same cluster (tests/support/postgres.py).
#   postgres.sh start   start the cluster unless it runs; wait until it accepts connections
#   postgres.sh stop    stop it (the tests and any other user of it lose it too)
# Knob: PANHUB_PG_CLUSTER ("15 main"). Roles, databases and password files are made by the
# hub's launcher (panhub.demo.prepare_databases), not here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
require_root

read -r -a cluster <<< "${PANHUB_PG_CLUSTER:-15 main}"
[ "${#cluster[@]}" = 2 ] || die "PANHUB_PG_CLUSTER must be 'VERSION NAME', e.g. '15 main'"
command -v pg_ctlcluster >/dev/null || die "PostgreSQL is not installed: run hub_config/demo/bootstrap.sh"
port=5432  # Debian's first cluster's, as the production profile's URLs say (panhub.pgdb)
ready() { timeout 10 pg_isready -q -h 127.0.0.1 -p "$port"; }

case "${1:-start}" in
  stop)
    if ready; then timeout 60 pg_ctlcluster "${cluster[@]}" stop; fi
    exit 0 ;;
  start) ;;
  *) die "usage: postgres.sh start|stop" ;;
esac
if ! ready; then
  log "starting PostgreSQL ${cluster[*]}"
  # a cluster already starting or left by a crash: pg_ctlcluster says so; the wait decides
  timeout 60 pg_ctlcluster "${cluster[@]}" start || true
fi
SECONDS=0
while [ "$SECONDS" -lt 60 ]; do
  if ready; then log "PostgreSQL ready: cluster ${cluster[*]} on 127.0.0.1:$port"; exit 0; fi
  sleep 0.2
done
tail -n 20 "/var/log/postgresql/postgresql-${cluster[0]}-${cluster[1]}.log" >&2 || true
die "PostgreSQL ${cluster[*]} not ready on 127.0.0.1:$port after 60 s"
