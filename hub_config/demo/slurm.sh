#!/usr/bin/env bash
# A one-node SLURM 22.05 cluster for panhub's demo and tests, as root, without systemd.
#   slurm.sh start   write the config, start munged, slurmctld, slurmd; wait for the node
#   slurm.sh stop    stop the three daemons by pid file
# Node "node1" (127.0.0.1) is in two partitions: "cpu" (default) and "gpu"; it offers one
# fake GPU (gres gpu:fake:1, File=/dev/null) so --gres=gpu:1 jobs get CUDA_VISIBLE_DEVICES.
# CPUs and memory are what this file says (SlurmdParameters=config_overrides), not what
# the machine has. Knobs: SLURM_NODE_CPUS (8), SLURM_NODE_MEM_MB (16000).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
require_root

CPUS="${SLURM_NODE_CPUS:-8}"
MEM="${SLURM_NODE_MEM_MB:-16000}"
PIDS=(/run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid)

if [ "${1:-start}" = stop ]; then
  for f in "${PIDS[@]}"; do stop_pidfile "$f" 10; done
  exit 0
fi
[ "${1:-start}" = start ] || die "usage: slurm.sh start|stop"
command -v slurmctld >/dev/null || die "SLURM is not installed: run hub_config/demo/bootstrap.sh"

install -d -m 0755 /etc/slurm
conf="$(cat <<CONF
# panhub demo cluster: SLURM 22.05, one node, no systemd, no cgroups, no slurmdbd
ClusterName=panhub
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=slurm
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
$(slurm_conf_plugins)
SlurmctldTimeout=10
SlurmdTimeout=10
MessageTimeout=10
$(slurm_conf_jobs)
NodeName=node1 NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=${CPUS} RealMemory=${MEM} Gres=gpu:fake:1 State=UNKNOWN
PartitionName=cpu Nodes=node1 Default=YES MaxTime=12:00:00 DefaultTime=01:00:00 State=UP
PartitionName=gpu Nodes=node1 Default=NO MaxTime=04:00:00 DefaultTime=01:00:00 State=UP
CONF
)"
gres='NodeName=node1 Name=gpu Type=fake File=/dev/null Count=1'
# a changed config needs the daemons restarted to take effect
if [ "$(cat /etc/slurm/slurm.conf 2>/dev/null)" != "$conf" ] || [ "$(cat /etc/slurm/gres.conf 2>/dev/null)" != "$gres" ]; then
  printf '%s\n' "$conf" > /etc/slurm/slurm.conf
  printf '%s\n' "$gres" > /etc/slurm/gres.conf
  chmod 0644 /etc/slurm/slurm.conf /etc/slurm/gres.conf
  stop_pidfile /run/slurmd.pid 10
  stop_pidfile /run/slurmctld.pid 10
fi
# squeue reports the node NAME as the job's host and the hub connects to it
grep -qE '^127\.0\.0\.1[[:space:]].*\bnode1\b' /etc/hosts || echo '127.0.0.1 node1' >> /etc/hosts

install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
[ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
if ! pidfile_alive /run/munge/munged.pid; then
  rm -f /run/munge/munged.pid /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
  runuser -u munge -- /usr/sbin/munged
fi
for _ in $(seq 1 50); do timeout 2 munge -n </dev/null 2>/dev/null | timeout 2 unmunge >/dev/null 2>&1 && break; sleep 0.1; done

# SLURM's state (job scripts, environments) and logs are SLURM's alone; repaired every start
install -d -o slurm -g slurm -m 0711 /var/lib/slurm
install -d -o slurm -g slurm -m 0700 /var/lib/slurm/slurmctld
install -d -o slurm -g slurm -m 0750 /var/log/slurm
install -d -m 0711 /var/lib/slurm/slurmd
chmod -R go-rwx /var/lib/slurm/slurmctld
find /var/log/slurm -type f -exec chmod 0640 {} +
# other users' processes (their command lines) are invisible: hidepid, as a site's fstab would
mount -o remount,hidepid=invisible /proc
pidfile_alive /run/slurmctld.pid || { rm -f /run/slurmctld.pid; /usr/sbin/slurmctld; }
pidfile_alive /run/slurmd.pid || { rm -f /run/slurmd.pid; /usr/sbin/slurmd -N node1; }

state=""
SECONDS=0
while [ "$SECONDS" -lt 60 ]; do
  state="$(timeout 5 sinfo -h -n node1 -o %t 2>/dev/null | head -n1 || true)"
  case "$state" in
    idle|mix|mixed|alloc|allocated) break ;;
    drain*|down*|inval*|drng*) timeout 5 scontrol update NodeName=node1 State=RESUME 2>/dev/null || true ;;
  esac
  sleep 0.2
done
case "$state" in
  idle|mix|mixed|alloc|allocated) log "SLURM ready: node1 $state" ;;
  *) tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
     die "node1 not ready (state '$state')" ;;
esac
