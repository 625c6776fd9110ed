#!/usr/bin/env bash
# A multi-node SLURM 22.05 cluster on one machine, as root, without systemd: slurmctld on
# the host plus one slurmd per node, each node in its own network namespace with its own
# address on a bridge, so jobs run "on" their node as on a real cluster.
#
#   cluster.sh start          write the config, bring up the network, start the daemons,
#                             wait until every node is usable (idempotent)
#   cluster.sh stop           stop every daemon and every process left on the nodes, remove
#                             the namespaces, links, bridge and /etc/hosts lines
#   cluster.sh status         daemons, links and SLURM's view of the nodes
#   cluster.sh node-down N [crash|partition|slurmd]
#                             take node N (number or name) down:
#                               crash      the node loses power: slurmd and its jobs die
#                               partition  its link goes down: everything keeps running,
#                                          unreachable (a network partition)
#                               slurmd     slurmd dies; jobs keep running and answering
#   cluster.sh node-up N      bring node N back (link up, slurmd started) and wait until
#                             SLURM uses it again (ReturnToService=2)
#   cluster.sh env            print the line that points SLURM's commands at this cluster
#
# Layout (knobs in parentheses):
#   bridge phbr0 with the host at NET.1 (PANHUB_CLUSTER_NET, default 10.77.0): slurmctld,
#   and the hub, listen there for the nodes
#   nodes cpu1..cpuC (PANHUB_CLUSTER_CPU_NODES, 2), then gpu1..gpuG (PANHUB_CLUSTER_GPU_NODES,
#   1); node number i (counted across both) is namespace phn-<name>, address NET.(10+i),
#   named in /etc/hosts (the hub connects to the node name squeue reports) and as its
#   hostname (UTS namespace); each has PANHUB_CLUSTER_NODE_CPUS (8) CPUs and
#   PANHUB_CLUSTER_NODE_MEM_MB (16000) MB as configured, not as the machine has; GPU nodes
#   one fake GPU (gres gpu:fake:1, File=/dev/null)
#   partitions "cpu" (default: the CPU nodes) and "gpu" (the GPU nodes), each placing a
#   job on its least loaded node, so servers spread over the nodes
#   the nodes' processes (slurmd, and so slurmstepd and the jobs) in one CPU cgroup,
#   panhub-nodes, weighted PANHUB_CLUSTER_CPU_SHARES (64, of the 1024 of every other
#   process; 0: no cgroup): on a real cluster the nodes are other machines, and the hub's
#   machine does not run 50 servers' start-ups; here they would take the 2 cores from the
#   hub (a run queue of 75, the hub API waiting seconds). Idle, the nodes get every core.
# It runs beside the one-node cluster of slurm.sh and shares nothing with it but munged
# and the slurm.conf lines of lib.sh: its own config folder (PANHUB_CLUSTER_CONF_DIR,
# /etc/slurm-multi; clients find it through SLURM_CONF, see "env", which sudo drops unless
# told to keep it), ports (PANHUB_CLUSTER_PORT, 6917, and the next one for slurmd),
# ClusterName, state, spool, logs and pid files (under */slurm-multi). To use it instead
# of the one-node cluster, stop that one (slurm.sh stop) and start this one with
# PANHUB_CLUSTER_CONF_DIR=/etc/slurm: then every client finds it without SLURM_CONF.
# A node marked DOWN (no answer for SlurmdTimeout) fails its jobs (NODE_FAIL), or puts
# them back in the queue unless they were submitted with --no-requeue.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
require_root

CONF_DIR="${PANHUB_CLUSTER_CONF_DIR:-/etc/slurm-multi}"
NET="${PANHUB_CLUSTER_NET:-10.77.0}"
CPU_NODES="${PANHUB_CLUSTER_CPU_NODES:-2}"
GPU_NODES="${PANHUB_CLUSTER_GPU_NODES:-1}"
CPUS="${PANHUB_CLUSTER_NODE_CPUS:-8}"
MEM="${PANHUB_CLUSTER_NODE_MEM_MB:-16000}"
PORT="${PANHUB_CLUSTER_PORT:-6917}"
STATE=/var/lib/slurm-multi
LOGS=/var/log/slurm-multi
RUN=/run/slurm-multi
BRIDGE=phbr0
HOSTS_TAG="# panhub-cluster"
SHARES="${PANHUB_CLUSTER_CPU_SHARES:-64}"
CGROUP=panhub-nodes
export SLURM_CONF="$CONF_DIR/slurm.conf"
HOST_ADDR="$NET.1"

[[ "$CPU_NODES" =~ ^[0-9]+$ && "$GPU_NODES" =~ ^[0-9]+$ ]] || die "node counts must be numbers"
if [ $((CPU_NODES + GPU_NODES)) -lt 1 ] || [ $((CPU_NODES + GPU_NODES)) -gt 200 ]; then
  die "1 to 200 nodes, not $((CPU_NODES + GPU_NODES))"
fi

# the node names, in node-number order
NODES=()
for k in $(seq 1 "$CPU_NODES"); do NODES+=("cpu$k"); done
for k in $(seq 1 "$GPU_NODES"); do NODES+=("gpu$k"); done

# node_number NAME: its number (1-based, across CPU and GPU nodes)
node_number() {
  local i
  for i in "${!NODES[@]}"; do
    [ "${NODES[$i]}" = "$1" ] && { echo $((i + 1)); return 0; }
  done
  return 1
}
node_addr() { echo "$NET.$((10 + $(node_number "$1")))"; }
node_ns() { echo "phn-$1"; }
node_veth() { echo "phv-$1"; }
node_pidfile() { echo "$RUN/slurmd-$1.pid"; }

# resolve_node N|NAME: the node's name, or die
resolve_node() {
  local arg="${1:-}"
  if [[ "$arg" =~ ^[0-9]+$ ]] && [ "$arg" -ge 1 ] && [ "$arg" -le "${#NODES[@]}" ]; then
    echo "${NODES[$((arg - 1))]}"
  elif node_number "$arg" >/dev/null 2>&1; then
    echo "$arg"
  else
    die "no node '$arg': give 1..${#NODES[@]} or one of ${NODES[*]}"
  fi
}

join_by() { local IFS="$1"; shift; echo "$*"; }

make_conf() {
  local cpu_list gpu_list name
  cpu_list="$(join_by , "${NODES[@]:0:$CPU_NODES}")"
  gpu_list="$(join_by , "${NODES[@]:$CPU_NODES}")"
  cat <<CONF
# panhub multi-node cluster: SLURM 22.05, nodes in network namespaces (cluster.sh)
ClusterName=panhubmulti
SlurmctldHost=localhost($HOST_ADDR)
SlurmUser=slurm
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$STATE/slurmctld
SlurmdSpoolDir=$STATE/slurmd-%n
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd-%n.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
$(slurm_conf_plugins)
SlurmctldTimeout=10
# a node that answers no ping for this long is DOWN (pings every SlurmdTimeout/3)
SlurmdTimeout=10
MessageTimeout=5
# slurmctld talks to every node itself: no message fan-out through other nodes, so one
# node's partition delays no other node's messages
TreeWidth=65533
$(slurm_conf_jobs)
CONF
  for name in "${NODES[@]:0:$CPU_NODES}"; do
    echo "NodeName=$name NodeAddr=$(node_addr "$name") NodeHostname=$name CPUs=$CPUS RealMemory=$MEM State=UNKNOWN"
  done
  for name in "${NODES[@]:$CPU_NODES}"; do
    echo "NodeName=$name NodeAddr=$(node_addr "$name") NodeHostname=$name CPUs=$CPUS RealMemory=$MEM Gres=gpu:fake:1 State=UNKNOWN"
  done
  # LLN: each job goes to the least loaded node, so servers spread over the nodes (SLURM
  # would fill one node first), and a node that fails takes some of them, not all
  [ -n "$cpu_list" ] && echo "PartitionName=cpu Nodes=$cpu_list Default=YES MaxTime=12:00:00 DefaultTime=01:00:00 LLN=YES State=UP"
  [ -n "$gpu_list" ] && echo "PartitionName=gpu Nodes=$gpu_list Default=$([ -z "$cpu_list" ] && echo YES || echo NO) MaxTime=04:00:00 DefaultTime=01:00:00 LLN=YES State=UP"
  return 0
}

make_gres() {
  local name
  for name in "${NODES[@]:$CPU_NODES}"; do
    echo "NodeName=$name Name=gpu Type=fake File=/dev/null Count=1"
  done
}

# ----------------------------------------------------------------------- network

link_exists() { ip link show "$1" >/dev/null 2>&1; }
ns_exists() { [ -e "/run/netns/$1" ]; }

net_up() {
  local name ns veth addr
  if ! link_exists "$BRIDGE"; then
    ip link add "$BRIDGE" type bridge
  fi
  ip addr replace "$HOST_ADDR/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  for name in "${NODES[@]}"; do
    ns="$(node_ns "$name")"; veth="$(node_veth "$name")"; addr="$(node_addr "$name")"
    ns_exists "$ns" || ip netns add "$ns"
    if ! link_exists "$veth"; then
      ip -n "$ns" link del eth0 2>/dev/null || true
      ip link add "$veth" type veth peer name eth0 netns "$ns"
    fi
    ip link set "$veth" master "$BRIDGE"
    ip link set "$veth" up
    # a changed node count renumbers nodes: the namespace keeps only its new address
    if [ "$(ip -n "$ns" -4 -o addr show dev eth0 | awk '{print $4}')" != "$addr/24" ]; then
      ip -n "$ns" addr flush dev eth0
      ip -n "$ns" addr add "$addr/24" dev eth0
    fi
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
  done
  # the hub reaches a server at the node name squeue reports
  local hosts
  hosts="$(grep -v "$HOSTS_TAG\$" /etc/hosts || true)"
  for name in "${NODES[@]}"; do hosts+=$'\n'"$(node_addr "$name") $name $HOSTS_TAG"; done
  # rewrite in place: /etc/hosts may be a bind mount, which a rename would not replace
  [ "$hosts" = "$(cat /etc/hosts)" ] || printf '%s\n' "$hosts" > /etc/hosts
}

# every node namespace there is, configured or left from an earlier node count
all_ns() {
  local f
  for f in /run/netns/phn-*; do [ -e "$f" ] && basename "$f"; done
  return 0
}

net_down() {
  local ns link
  # links first: a deleted namespace takes its veth pairs along only later, asynchronously
  for link in /sys/class/net/phv-*; do
    [ -e "$link" ] && ip link del "$(basename "$link")"
  done
  for ns in $(all_ns); do ip netns del "$ns"; done
  link_exists "$BRIDGE" && ip link del "$BRIDGE"
  if grep -q "$HOSTS_TAG\$" /etc/hosts; then
    local hosts
    hosts="$(grep -v "$HOSTS_TAG\$" /etc/hosts || true)"
    printf '%s\n' "$hosts" > /etc/hosts
  fi
  return 0
}

# kill_ns NS [SECONDS]: SIGTERM every process in the namespace, wait up to SECONDS (5),
# then SIGKILL what is left (with 0: SIGKILL at once)
kill_ns() {
  local ns="$1" limit="${2:-5}" pids
  ns_exists "$ns" || return 0
  pids="$(ip netns pids "$ns" 2>/dev/null || true)"
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086 # one pid a word
  [ "$limit" -eq 0 ] || kill $pids 2>/dev/null || true
  for _ in $(seq 1 $((limit * 10))); do
    alive_in_ns "$ns" || return 0
    sleep 0.1
  done
  pids="$(ip netns pids "$ns" 2>/dev/null || true)"
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
}

# alive_in_ns NS: true while a process (not a zombie) is left in the namespace
alive_in_ns() {
  local pid
  for pid in $(ip netns pids "$1" 2>/dev/null || true); do
    pid_alive "$pid" && return 0
  done
  return 1
}

# ----------------------------------------------------------------------- daemons

write_conf() {
  local conf gres
  conf="$(make_conf)"; gres="$(make_gres)"
  install -d -m 0755 "$CONF_DIR"
  if [ "$(cat "$CONF_DIR/slurm.conf" 2>/dev/null)" != "$conf" ] \
     || [ "$(cat "$CONF_DIR/gres.conf" 2>/dev/null)" != "$gres" ]; then
    printf '%s\n' "$conf" > "$CONF_DIR/slurm.conf"
    printf '%s\n' "$gres" > "$CONF_DIR/gres.conf"
    chmod 0644 "$CONF_DIR/slurm.conf" "$CONF_DIR/gres.conf"
    # a changed config needs the daemons restarted (a changed node list: stop first)
    stop_daemons
  fi
}

ensure_munge() {
  install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
  install -d -o munge -g munge -m 0755 /run/munge
  [ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
  if ! pidfile_alive /run/munge/munged.pid; then
    rm -f /run/munge/munged.pid /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
    runuser -u munge -- /usr/sbin/munged
  fi
  for _ in $(seq 1 50); do
    timeout 2 munge -n </dev/null 2>/dev/null | timeout 2 unmunge >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "munged does not answer"
}

# node_cgroup: set up the nodes' CPU cgroup and print its cgroup.procs file (nothing when
# PANHUB_CLUSTER_CPU_SHARES is 0 or the machine has no CPU controller to weight)
node_cgroup() {
  local dir
  [ "$SHARES" -gt 0 ] 2>/dev/null || return 0
  if [ -e /sys/fs/cgroup/cpu/cpu.shares ]; then  # cgroup v1
    dir=/sys/fs/cgroup/cpu/$CGROUP
    if ! { mkdir -p "$dir" && echo "$SHARES" >"$dir/cpu.shares"; }; then
      log "no CPU weight for the nodes: $dir"
      return 0
    fi
  elif grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then  # v2: weight 100 of 1..10000
    dir=/sys/fs/cgroup/$CGROUP
    if ! { { grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control ||
      echo +cpu >/sys/fs/cgroup/cgroup.subtree_control; } &&
      mkdir -p "$dir" && echo $(((SHARES * 100 + 1023) / 1024)) >"$dir/cpu.weight"; }; then
      log "no CPU weight for the nodes: $dir"
      return 0
    fi
  else
    log "no CPU controller: the nodes compete with the hub for the CPU"
    return 0
  fi
  echo "$dir/cgroup.procs"
}

remove_node_cgroup() {
  rmdir /sys/fs/cgroup/cpu/$CGROUP /sys/fs/cgroup/$CGROUP 2>/dev/null || true
}

start_slurmd() {
  local name="$1" pidfile procs
  pidfile="$(node_pidfile "$name")"
  pidfile_alive "$pidfile" && return 0
  rm -f "$pidfile"
  install -d -m 0711 "$STATE/slurmd-$name"
  procs="$(node_cgroup)"
  # in the node's network namespace, with the node's name as hostname (own UTS namespace),
  # in the nodes' cgroup; slurmd forks into the background, its jobs inherit all three
  # shellcheck disable=SC2016 # expanded by the inner shell
  timeout 30 nsenter --net="/run/netns/$(node_ns "$name")" -- unshare --uts -- \
    sh -c '[ -z "$3" ] || echo $$ >"$3"; hostname "$1" && exec /usr/sbin/slurmd -f "$2" -N "$1"' \
    sh "$name" "$SLURM_CONF" "$procs"
}

# kill_pidfile FILE: SIGKILL, as a crash would
kill_pidfile() {
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"
  if [ -n "$pid" ] && pid_alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$1"
}

stop_daemons() {
  local name
  for name in "${NODES[@]}"; do stop_pidfile "$(node_pidfile "$name")" 10; done
  stop_pidfile "$RUN/slurmctld.pid" 10
}

# node_state NAME: SLURM's state of the node, e.g. IDLE, MIXED, DOWN+NOT_RESPONDING
node_state() {
  timeout 5 scontrol -o show node "$1" 2>/dev/null | sed -nE 's/.*\bState=([^ ]+).*/\1/p' || true
}

usable() { [[ "$1" =~ ^(IDLE|MIXED|ALLOCATED|COMPLETING)(\+|$) ]] && [[ "$1" != *NOT_RESPONDING* ]] && [[ "$1" != *DRAIN* ]]; }

# wait_usable SECONDS NAME...: until every node is usable; drained or down nodes resumed
wait_usable() {
  local limit="$1" name state pending
  shift
  SECONDS=0
  while :; do
    pending=()
    for name in "$@"; do
      state="$(node_state "$name")"
      usable "$state" && continue
      pending+=("$name=${state:-?}")
      # a drain (or down) reason persists in the state folder across restarts
      case "$state" in
        *DRAIN*|DOWN|INVAL*) timeout 5 scontrol update NodeName="$name" State=RESUME 2>/dev/null || true ;;
      esac
    done
    [ "${#pending[@]}" -eq 0 ] && return 0
    if [ "$SECONDS" -ge "$limit" ]; then
      tail -n 20 "$LOGS/slurmctld.log" >&2 || true
      die "nodes not usable after ${limit}s: ${pending[*]}"
    fi
    sleep 0.2
  done
}

start() {
  command -v slurmctld >/dev/null || die "SLURM is not installed: run hub_config/demo/bootstrap.sh"
  command -v nsenter >/dev/null || die "util-linux (nsenter, unshare) is not installed"
  write_conf
  net_up
  ensure_munge
  # as slurm.sh: SLURM's state (job scripts, environments) and logs are SLURM's alone,
  # and users cannot see each other's processes
  install -d -o slurm -g slurm -m 0711 "$STATE"
  install -d -o slurm -g slurm -m 0700 "$STATE/slurmctld"
  install -d -o slurm -g slurm -m 0750 "$LOGS"
  install -d -o slurm -g slurm -m 0750 "$RUN"  # pid files: not the users' to read
  chmod -R go-rwx "$STATE/slurmctld"
  find "$LOGS" -type f -exec chmod 0640 {} +
  mount -o remount,hidepid=invisible /proc
  if ! pidfile_alive "$RUN/slurmctld.pid"; then
    rm -f "$RUN/slurmctld.pid"
    /usr/sbin/slurmctld -f "$SLURM_CONF"
  fi
  local name
  for name in "${NODES[@]}"; do start_slurmd "$name"; done
  wait_usable 60 "${NODES[@]}"
  log "cluster ready: ${NODES[*]} (slurmctld $HOST_ADDR:$PORT; export SLURM_CONF=$SLURM_CONF)"
}

stop() {
  local pidfile ns jobs
  # the nodes' processes die below: their jobs with them, so SLURM's record says so
  if pidfile_alive "$RUN/slurmctld.pid"; then
    jobs="$(timeout 10 squeue -h -o %i 2>/dev/null || true)"
    # shellcheck disable=SC2086 # one job id a word
    [ -z "$jobs" ] || timeout 10 scancel $jobs 2>/dev/null || true
  fi
  for pidfile in "$RUN"/slurmd-*.pid; do
    [ -e "$pidfile" ] && stop_pidfile "$pidfile" 10
  done
  # what the nodes' slurmd leave behind: slurmstepd and job processes
  for ns in $(all_ns); do kill_ns "$ns" 5; done
  stop_pidfile "$RUN/slurmctld.pid" 10
  net_down
  remove_node_cgroup
  log "cluster stopped"
}

status() {
  local name pidfile
  echo "slurmctld: $(pidfile_alive "$RUN/slurmctld.pid" && echo running || echo stopped)"
  for name in "${NODES[@]}"; do
    pidfile="$(node_pidfile "$name")"
    printf '%s %s slurmd=%s link=%s\n' "$name" "$(node_addr "$name")" \
      "$(pidfile_alive "$pidfile" && echo running || echo stopped)" \
      "$(ip -br link show "$(node_veth "$name")" 2>/dev/null | awk '{print $2}' || echo none)"
  done
  if pidfile_alive "$RUN/slurmctld.pid"; then timeout 10 sinfo -N -o '%N %P %T %G' || true; fi
  echo "nodes' CPU weight: $(cat /sys/fs/cgroup/cpu/$CGROUP/cpu.shares 2>/dev/null ||
    cat /sys/fs/cgroup/$CGROUP/cpu.weight 2>/dev/null || echo none)"
}

node_down() {
  local name mode="${2:-crash}"
  name="$(resolve_node "${1:-}")"
  case "$mode" in
    crash) kill_ns "$(node_ns "$name")" 0; rm -f "$(node_pidfile "$name")" ;;
    slurmd) kill_pidfile "$(node_pidfile "$name")" ;;
    partition) ip link set "$(node_veth "$name")" down ;;
    *) die "node-down N [crash|partition|slurmd], not '$mode'" ;;
  esac
  log "node $name down ($mode)"
}

node_up() {
  local name
  name="$(resolve_node "${1:-}")"
  ns_exists "$(node_ns "$name")" || die "node $name has no namespace: run 'cluster.sh start'"
  ip link set "$(node_veth "$name")" up
  if pidfile_alive "$(node_pidfile "$name")"; then
    # after a partition: register now (SIGHUP: slurmd re-reads its config and registers)
    # instead of waiting for slurmctld's next ping of the down node
    kill -HUP "$(cat "$(node_pidfile "$name")")"
  else
    start_slurmd "$name"
  fi
  wait_usable 60 "$name"
  log "node $name up: $(node_state "$name")"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  node-down) node_down "${2:-}" "${3:-crash}" ;;
  node-up) node_up "${2:-}" ;;
  env) echo "export SLURM_CONF=$SLURM_CONF" ;;
  *) die "usage: cluster.sh start|stop|status|node-down N [crash|partition|slurmd]|node-up N|env" ;;
esac
