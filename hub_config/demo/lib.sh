# shellcheck shell=bash
# Shared shell helpers for panhub's demo and CI scripts (sourced, not run).
# PID 1 on the CI machines reaps orphans slowly: a killed daemon lingers as a zombie and
# `kill -0` still succeeds, so liveness reads the state letter in /proc/PID/stat.

PANHUB_PREFIX="${PANHUB_PREFIX:-/opt/panhub}"
PANHUB_VENV="${PANHUB_VENV:-$PANHUB_PREFIX/venv}"
PANHUB_STATE_ROOT="${PANHUB_STATE_ROOT:-/var/lib/panhub}"

log() { printf '[panhub] %s\n' "$*" >&2; }
die() { printf '[panhub] error: %s\n' "$*" >&2; exit 1; }

pid_alive() {
  local st
  st="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null || true)"
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

pidfile_alive() {
  local pid
  pid="$(cat "$1" 2>/dev/null)" || return 1
  [ -n "$pid" ] && pid_alive "$pid"
}

# stop_pidfile FILE [SECONDS]: SIGTERM, wait up to SECONDS (default 10), then SIGKILL.
stop_pidfile() {
  local f="$1" limit="${2:-10}" pid
  pid="$(cat "$f" 2>/dev/null || true)"
  if [ -n "$pid" ] && pid_alive "$pid"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((limit * 10))); do pid_alive "$pid" || break; sleep 0.1; done
    if pid_alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$f"
}

require_root() { [ "$(id -u)" = 0 ] || die "run this as root"; }
