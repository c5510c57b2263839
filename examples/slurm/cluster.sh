#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine, for CI and for trying the sweep's shard
# contract: munged, slurmctld and slurmd started by hand (no systemd), everything they write
# kept under one state folder.
#
#   cluster.sh up       install slurm-wlm and munge if missing, start the daemons, wait until
#                       the node is idle (already up: nothing to do)
#   cluster.sh status   the daemons and the node's state; exit 0 only when it takes jobs
#   cluster.sh down     stop the daemons this script started and delete the state folder
#   cluster.sh env      print the line that points Slurm's commands at this cluster:
#                       eval "$(examples/slurm/cluster.sh env)"; sinfo
#   cluster.sh logs     print the tail of the daemons' logs
#
# Environment:
#   SHOPLAB_SLURM_DIR   state folder (default /tmp/shoplab-slurm): slurm.conf, munge key and
#                       socket, state and spool folders, pid files, logs
#   SHOPLAB_SLURM_PORT  slurmctld's port; slurmd listens on the next one (default 6817)
#   SHOPLAB_SLURM_UP_TIMEOUT  seconds `up` waits for the node to turn idle (default 60)
#
# Exit status: 0 success, 1 failure (the daemons' logs are printed), 2 usage error,
# 77 skipped because slurm-wlm and munge are missing and cannot be installed.
#
# Needs root (it installs packages and runs the daemons as root). /etc is left alone: the
# config reaches every Slurm program through SLURM_CONF, and munged gets its own key and
# socket, so a munged or Slurm already on the machine is not touched.
set -euo pipefail

readonly STATE=${SHOPLAB_SLURM_DIR:-/tmp/shoplab-slurm}
readonly CTLD_PORT=${SHOPLAB_SLURM_PORT:-6817}
readonly UP_TIMEOUT=${SHOPLAB_SLURM_UP_TIMEOUT:-60}
readonly CONF=$STATE/etc/slurm.conf
readonly MUNGE_DIR=$STATE/munge
readonly MUNGE_SOCKET=$MUNGE_DIR/munge.socket
readonly PARTITION=shoplab
# The daemons, as pid-file:program.
readonly MUNGED=$MUNGE_DIR/munged.pid:munged
readonly SLURMCTLD=$STATE/run/slurmctld.pid:slurmctld
readonly SLURMD=$STATE/run/slurmd.pid:slurmd
readonly SKIP=77
# Slurm's and munge's daemons live in sbin, which a non-login shell may not have on PATH.
export PATH=$PATH:/usr/sbin:/sbin
export SLURM_CONF=$CONF

say() { printf 'cluster: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  print_logs
  exit 1
}
skip() {
  printf 'skipped: %s\n' "$*" >&2
  exit "$SKIP"
}

print_logs() {
  local f
  for f in "$STATE"/log/*.log; do
    [[ $f == */apt.log ]] && continue
    [[ -s $f ]] || continue
    printf -- '----- %s (last 40 lines) -----\n' "$f" >&2
    tail -n 40 "$f" >&2
  done
}

# Whether a process runs: exists and is not a zombie (a container's first process may never
# reap the daemons' zombies).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# The pid of a daemon (pid-file:program) if it runs and is that program: a stale pid file
# may name a pid the system has since given to something else.
running() {
  local file=${1%%:*} name=${1##*:} pid
  [[ -r $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]] || return 1
  echo "$pid"
}

# Node name: slurmctld only runs where SlurmctldHost names this host, so use its short
# hostname; every address is 127.0.0.1 so nothing depends on the name resolving.
node_name() {
  local name
  name=$(uname -n)
  echo "${name%%.*}"
}

# CPUs this process may use (respects a container's cpuset, unlike /proc/cpuinfo).
cpu_count() { nproc; }

# Memory in MiB: the smaller of the machine's and the cgroup's limit, less 5% for the
# daemons and the system.
memory_mib() {
  local kib limit
  kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
  for limit in /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes; do
    if [[ -r $limit ]]; then
      local bytes
      bytes=$(<"$limit")
      if [[ $bytes =~ ^[0-9]+$ ]] && ((bytes / 1024 < kib)); then
        kib=$((bytes / 1024))
      fi
    fi
  done
  echo $((kib * 95 / 100 / 1024))
}

# The state folder, marked as ours so that `down` deletes nothing else.
make_state() {
  mkdir -p "$STATE"/{etc,state,spool,run,log}
  touch "$STATE/.shoplab-slurm"
}

have_packages() {
  command -v slurmctld && command -v slurmd && command -v sbatch && command -v munged
} >/dev/null 2>&1

install_packages() {
  have_packages && return 0
  [[ $(id -u) == 0 ]] || skip "slurm-wlm and munge are not installed and installing them needs root"
  command -v apt-get >/dev/null 2>&1 || skip "slurm-wlm and munge are not installed and there is no apt-get"
  say "installing slurm-wlm and munge with apt-get"
  make_state
  local log=$STATE/log/apt.log
  local apt=(apt-get -o DPkg::Lock::Timeout=120 -o Dpkg::Use-Pty=0 -q -y)
  local policy=/usr/sbin/policy-rc.d created_policy=
  # The packages' scripts would start the daemons with the config in /etc they lack; a
  # policy-rc.d answering 101 ("not allowed") stops that, as in every Docker image.
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
  fi
  local ok=
  # Try with the package lists already here first; refresh them only if that fails.
  if DEBIAN_FRONTEND=noninteractive timeout 600 "${apt[@]}" install --no-install-recommends \
    slurm-wlm munge >"$log" 2>&1; then
    ok=1
  elif timeout 300 "${apt[@]}" update >>"$log" 2>&1 &&
    DEBIAN_FRONTEND=noninteractive timeout 600 "${apt[@]}" install --no-install-recommends \
      slurm-wlm munge >>"$log" 2>&1; then
    ok=1
  fi
  [[ -n $created_policy ]] && rm -f "$policy"
  if [[ -z $ok ]]; then
    tail -n 15 "$log" >&2
    skip "apt-get could not install slurm-wlm and munge (log: $log)"
  fi
  have_packages || die "apt-get installed slurm-wlm and munge but their programs are not on PATH"
}

write_config() {
  local node=$1 cpus=$2 mem=$3
  make_state
  # Generated on every start, so it always describes the machine it runs on.
  cat >"$CONF" <<EOF
# Generated by examples/slurm/cluster.sh: a one-node cluster for shoplab's CI.
ClusterName=shoplab
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$((CTLD_PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$STATE/state
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# Containers have no usable cgroups: track processes by their parent pid, bind nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# One line per finished job (state and exit code) without a database.
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/log/jobcomp.log
# Jobs are allotted CPUs, not whole nodes, so array tasks share the node one CPU each.
SchedulerType=sched/backfill
# Start array tasks as soon as a CPU frees (the default 3 s delay more than doubles the
# time of an array of short tasks).
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
# No mail on this cluster (the default, /bin/mail, is not installed).
MailProg=/bin/true
# Use the node as described here even if slurmd counts its sockets and cores differently.
SlurmdParameters=config_overrides
ReturnToService=2
# Keep finished jobs visible to scontrol for an hour: there is no accounting to ask later.
MinJobAge=3600
KillWait=5
InactiveLimit=0
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munged() {
  if running "$MUNGED" >/dev/null; then
    return 0
  fi
  mkdir -p "$MUNGE_DIR"
  # munged refuses a key others may read and a socket folder others may write or may not
  # enter (Slurm's programs, run by any user, reach it there); it runs as the munge user
  # the package created.
  local user=munge
  id "$user" >/dev/null 2>&1 || user=root
  if [[ ! -s $MUNGE_DIR/munge.key ]]; then
    dd if=/dev/urandom of="$MUNGE_DIR/munge.key" bs=1024 count=1 status=none
  fi
  chown -R "$user:" "$MUNGE_DIR"
  chmod 711 "$MUNGE_DIR"
  chmod 400 "$MUNGE_DIR/munge.key"
  local run=(munged --key-file="$MUNGE_DIR/munge.key" --socket="$MUNGE_SOCKET"
    --pid-file="$MUNGE_DIR/munged.pid" --log-file="$MUNGE_DIR/munged.log"
    --seed-file="$MUNGE_DIR/munged.seed" --origin=127.0.0.1)
  if [[ $user == root ]]; then
    "${run[@]}" || die "munged did not start (log: $MUNGE_DIR/munged.log)"
  else
    runuser -u "$user" -- "${run[@]}" || die "munged did not start (log: $MUNGE_DIR/munged.log)"
  fi
}

# Slurm's state of the node in lower case ("idle", "mixed", "down*", ...), or nothing.
node_state() {
  sinfo --noheader --nodes="$(node_name)" --format=%T 2>/dev/null | head -n 1
}

# 0 when munged, slurmctld and slurmd run and the node takes jobs.
is_up() {
  running "$MUNGED" >/dev/null && running "$SLURMCTLD" >/dev/null &&
    running "$SLURMD" >/dev/null &&
    [[ $(node_state) =~ ^(idle|mixed|allocated|completing)$ ]]
}

# Stops daemons (pid-file:program), all at once (each takes about 2 s to
# exit): SIGTERM, then SIGKILL for any still alive after 15 s.
stop_daemons() {
  local pair pid pids=() i still
  for pair in "$@"; do
    pid=$(running "$pair") || continue
    kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  done
  for ((i = 0; i < 150; i++)); do
    still=
    for pid in "${pids[@]}"; do
      alive "$pid" && still=1
    done
    [[ -n $still ]] || return 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    if alive "$pid"; then
      say "$(cat "/proc/$pid/comm" 2>/dev/null) ($pid) did not stop on SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

# Cancels every job on the cluster and waits for them to end, so that no job outlives it.
cancel_jobs() {
  running "$SLURMCTLD" >/dev/null || return 0
  scancel --partition="$PARTITION" 2>/dev/null || true
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -z $(squeue --noheader --partition="$PARTITION" 2>/dev/null) ]] && return 0
    sleep 0.2
  done
  say "jobs still ending after 20 s"
}

# Job steps that outlived their slurmd (it died, or its jobs could not be cancelled), found
# by their working folder, which slurmd set inside the state folder; slurmstepd ignores
# SIGTERM, so they and their jobs' processes get SIGKILL.
kill_orphan_steps() {
  local dir steps=()
  for dir in /proc/[0-9]*; do
    [[ $(cat "$dir/comm" 2>/dev/null) == slurmstepd ]] || continue
    alive "${dir#/proc/}" || continue
    [[ $(readlink "$dir/cwd" 2>/dev/null) == "$STATE"/* ]] || continue
    steps+=("${dir#/proc/}")
  done
  ((${#steps[@]})) || return 0
  # The steps and all their descendants, from every process's parent in /proc (no ps: a
  # slim container may lack procps).
  local -A parent=() doomed=()
  local pid stat grew=1
  for dir in /proc/[0-9]*; do
    stat=$(cat "$dir/stat" 2>/dev/null) || continue
    stat=${stat##*) }
    stat=${stat#* }
    parent[${dir#/proc/}]=${stat%% *}
  done
  for pid in "${steps[@]}"; do doomed[$pid]=1; done
  while [[ -n $grew ]]; do
    grew=
    for pid in "${!parent[@]}"; do
      if [[ -z ${doomed[$pid]:-} && -n ${doomed[${parent[$pid]}]:-} ]]; then
        doomed[$pid]=1
        grew=1
      fi
    done
  done
  say "killing job steps left behind: ${steps[*]}"
  kill -KILL "${!doomed[@]}" 2>/dev/null || true
}

# Stops the cluster's Slurm daemons (and munged if asked) and whatever jobs they ran.
stop_slurm() {
  cancel_jobs
  stop_daemons "$SLURMD" "$SLURMCTLD" "$@"
  kill_orphan_steps
}

cmd_up() {
  if is_up; then
    say "already up: node $(node_name) is $(node_state)"
    return 0
  fi
  local started=$SECONDS node cpus mem
  [[ $(id -u) == 0 ]] || die "the cluster's daemons run as root; run this as root"
  # Whatever is left of an earlier, broken start goes (a running munged and its key stay).
  stop_slurm
  rm -rf "$STATE/state" "$STATE/spool" "$STATE/run" "$STATE/log"
  install_packages
  node=$(node_name)
  cpus=$(cpu_count)
  mem=$(memory_mib)
  write_config "$node" "$cpus" "$mem"
  start_munged
  ln -sf "$MUNGE_DIR/munged.log" "$STATE/log/munged.log"
  slurmctld || die "slurmctld did not start"
  slurmd -N "$node" || die "slurmd did not start"
  local deadline=$((SECONDS + UP_TIMEOUT)) state=
  while ((SECONDS < deadline)); do
    state=$(node_state)
    if [[ $state == idle ]]; then
      say "up: node $node ($cpus CPUs, $mem MiB) idle in partition $PARTITION after $((SECONDS - started)) s"
      say "use it with: export SLURM_CONF=$CONF"
      return 0
    fi
    sleep 0.5
  done
  die "node $node not idle after ${UP_TIMEOUT} s (state: '${state:-none}')"
}

cmd_down() {
  stop_slurm "$MUNGED"
  # Only ever the folder this script made.
  if [[ -d $STATE ]]; then
    [[ -e $STATE/.shoplab-slurm ]] || die "$STATE is not this script's state folder (no .shoplab-slurm in it); not deleting it"
    rm -rf "$STATE"
  fi
  say "down"
}

cmd_status() {
  local daemon pid
  for daemon in "$MUNGED" "$SLURMCTLD" "$SLURMD"; do
    if pid=$(running "$daemon"); then
      say "${daemon##*:} running (pid $pid)"
    else
      say "${daemon##*:} not running"
    fi
  done
  if is_up; then
    sinfo --Node --long >&2
    return 0
  fi
  return 1
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) printf 'export SLURM_CONF=%q\n' "$CONF" ;;
  logs) print_logs ;;
  *)
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
    exit 2
    ;;
esac
