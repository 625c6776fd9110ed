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

# The slurm.conf lines both demo clusters share (slurm.sh, cluster.sh), so they never drift:
# slurm_conf_plugins: no cgroups, no slurmdbd, a scheduling pass every second (tests)
slurm_conf_plugins() {
  cat <<'CONF'
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
GresTypes=gpu
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1,sched_min_interval=0
CONF
}

# slurm_conf_jobs: job clean-up, nodes back in service, users' privacy, node sizes
slurm_conf_jobs() {
  cat <<'CONF'
InactiveLimit=0
MinJobAge=300
KillWait=2
Waittime=0
ReturnToService=2
# users see their own jobs only (command, working folder, environment, output paths);
# root and SlurmUser see all (the hub's shared poll runs as SlurmUser through sudo)
PrivateData=accounts,jobs,usage,users
# how long slurmctld caches users' groups (default 600 s): proposal membership changes
# from "panhub accounts sync" reach new jobs after this
GroupUpdateTime=2
SlurmdParameters=config_overrides
CONF
}
