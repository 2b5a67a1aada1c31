#!/usr/bin/env bash
# Starts (or reuses) a one-node Slurm cluster on this machine: Debian's slurm-wlm + munge, run as root, with the
# minimal configuration below. The Slurm array test (tests/.../Archive/SlurmArrayTests.cs) calls this; it installs the
# two packages when they are missing. Prints "slurm: ready" when sinfo shows the node idle. Exit 3: cannot be started.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then echo "slurm-local: needs root (it starts slurmctld, slurmd and munged)" >&2; exit 3; fi
if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge) >/dev/null \
    || { echo "slurm-local: cannot install slurm-wlm and munge" >&2; exit 3; }
fi

host=$(hostname -s)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) - 1024 ))
conf=/etc/slurm/slurm.conf
marker="# written by XrayAnalysis scripts/slurm-local.sh"
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
if [ -f "$conf" ] && ! grep -q "$marker" "$conf"; then
  echo "slurm-local: $conf exists and is not ours; not touching a real cluster's configuration" >&2; exit 3
fi
cat > "$conf.new" <<CONF
$marker
ClusterName=xray-local
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
restart=0
if ! cmp -s "$conf.new" "$conf" 2>/dev/null; then mv "$conf.new" "$conf"; restart=1; else rm -f "$conf.new"; fi

if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  chown munge:munge /etc/munge/munge.key 2>/dev/null || true
  chmod 400 /etc/munge/munge.key
fi
chown -R munge:munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
if ! pgrep -x munged >/dev/null; then
  runuser -u munge -- /usr/sbin/munged || /usr/sbin/munged --force
fi

if [ "$restart" = 1 ]; then pkill -x slurmctld || true; pkill -x slurmd || true; sleep 1; fi
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd
for _ in $(seq 1 60); do
  state=$(sinfo -h -o %T 2>/dev/null | head -1 || true)
  case "$state" in
    idle*|mixed*|allocated*) echo "slurm: ready ($host, $cpus CPUs, state $state)"; exit 0 ;;
    down*|drain*) scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true ;;
  esac
  sleep 1
done
echo "slurm-local: the node did not become idle in 60 s (sinfo: ${state:-no answer}); see /var/log/slurm/" >&2
exit 3
