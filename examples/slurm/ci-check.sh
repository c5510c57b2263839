#!/usr/bin/env bash
# Proves the shard contract on a real Slurm cluster: brings up the one-node cluster of
# cluster.sh, submits an array of N tasks, waits for it, checks that every task exited 0 and
# wrote its part, and brings the cluster down again.
#
#   ci-check.sh [--script FILE] [--tasks N] [--out DIR] [--timeout SECONDS]
#
#   --script FILE   batch script each array task runs (default: a placeholder that writes
#                   DIR/part-I.txt holding "task I of N"); examples/slurm/sweep.sbatch runs
#                   the shoplab sweep. It gets the parts folder in SHOPLAB_OUT.
#   --tasks N       array size, tasks 0..N-1 (default 8)
#   --out DIR       folder for the parts; must be empty or absent (default: a new temporary
#                   folder); kept afterwards so the caller can merge the parts
#   --timeout S     seconds to wait for the array (default 300)
#
# Every part DIR/part-I.* (I = 0..N-1) must exist and every task must end COMPLETED with
# exit code 0. Exit status: 0 proven, 1 failed (job output and daemon logs printed), 2 usage
# error, 77 skipped because slurm-wlm and munge cannot be installed here.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
readonly HERE SKIP=77
script=
tasks=8
out=
timeout=300

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
  exit 2
}
while (($#)); do
  case $1 in
    --script) script=${2:?--script needs a file}; shift 2 ;;
    --tasks) tasks=${2:?--tasks needs a number}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
    -h | --help) usage ;;
    *) echo "ci-check: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ $tasks =~ ^[1-9][0-9]*$ ]] || { echo "ci-check: --tasks must be a positive whole number, not '$tasks'" >&2; exit 2; }
[[ $timeout =~ ^[1-9][0-9]*$ ]] || { echo "ci-check: --timeout must be a positive whole number, not '$timeout'" >&2; exit 2; }
if [[ -n $script && ! -r $script ]]; then
  echo "ci-check: cannot read the batch script '$script'" >&2
  exit 2
fi
if [[ -n $out && -e $out && -n $(ls -A "$out") ]]; then
  echo "ci-check: the parts folder '$out' is not empty" >&2
  exit 2
fi

say() { printf 'ci-check: %s\n' "$*" >&2; }

started=$SECONDS
status=0
"$HERE/cluster.sh" up || status=$?
if ((status == SKIP)); then
  exit "$SKIP"
elif ((status != 0)); then
  "$HERE/cluster.sh" down || true
  exit 1
fi
eval "$("$HERE/cluster.sh" env)"
# Interrupted: leave no daemons behind.
trap '"$HERE/cluster.sh" down; exit 130' INT TERM
up_seconds=$((SECONDS - started))
if [[ -z $out ]]; then
  out=$(mktemp -d /tmp/shoplab-slurm-parts.XXXXXX)
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Job output goes beside the cluster's state, not among the parts a merge will read.
jobs_dir=${SHOPLAB_SLURM_DIR:-/tmp/shoplab-slurm}/jobs
mkdir -p "$jobs_dir"
job_id=

fail() {
  say "FAILED: $*"
  local f
  [[ -n $job_id ]] && squeue --jobs="$job_id" >&2 2>/dev/null
  for f in "$jobs_dir"/*.out; do
    [[ -s $f ]] || continue
    printf -- '----- %s -----\n' "$f" >&2
    tail -n 40 "$f" >&2
  done
  "$HERE/cluster.sh" logs || true
  [[ -n $job_id ]] && scancel "$job_id" 2>/dev/null
  "$HERE/cluster.sh" down || true
  exit 1
}

if [[ -z $script ]]; then
  # The placeholder for the sweep: shows each task its index and the array's size.
  script=$jobs_dir/placeholder.sbatch
  cat >"$script" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
echo "task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT" >"$SHOPLAB_OUT/part-$SLURM_ARRAY_TASK_ID.txt"
EOF
  placeholder=1
else
  placeholder=
fi

job_id=$(SHOPLAB_OUT=$out sbatch --parsable --array="0-$((tasks - 1))" \
  --job-name=shoplab-ci-check --chdir="$PWD" --output="$jobs_dir/task-%a.out" \
  --export=ALL "$script") || fail "sbatch refused the job"
job_id=${job_id%%;*}
say "submitted array job $job_id ($tasks tasks) to the cluster"

# Poll instead of `sbatch --wait` so that a job outliving the timeout can be cancelled.
# Without accounting, scontrol is the record of finished jobs (kept MinJobAge = 1 h).
active='JobState=(PENDING|CONFIGURING|RUNNING|COMPLETING|SUSPENDED|REQUEUED|RESIZING|SIGNALING|STAGE_OUT)'
deadline=$((SECONDS + timeout))
while :; do
  records=$(scontrol --oneliner show job "$job_id") || fail "scontrol lost job $job_id"
  grep -Eq "$active" <<<"$records" || break
  ((SECONDS < deadline)) || fail "array job $job_id still running after $timeout s"
  sleep 1
done

# One record per task once all have ended: each must be COMPLETED with exit code 0:0.
problems=()
for ((i = 0; i < tasks; i++)); do
  record=$(grep -E "ArrayTaskId=$i( |$)" <<<"$records" || true)
  if [[ -z $record ]]; then
    problems+=("task $i: no record")
  elif ! grep -Eq 'JobState=COMPLETED .*ExitCode=0:0( |$)' <<<"$record"; then
    problems+=("task $i: $(grep -Eo 'JobState=[A-Z_]+|ExitCode=[0-9:]+' <<<"$record" | tr '\n' ' ')")
  fi
  parts=("$out/part-$i".*)
  if [[ ! -e ${parts[0]} ]]; then
    problems+=("task $i: no $out/part-$i.*")
  elif [[ -n $placeholder && $(<"$out/part-$i.txt") != "task $i of $tasks" ]]; then
    problems+=("task $i: part-$i.txt holds '$(<"$out/part-$i.txt")', not 'task $i of $tasks'")
  fi
done
((${#problems[@]} == 0)) || fail "$(printf '\n  %s' "${problems[@]}")"

"$HERE/cluster.sh" down
say "ok: $tasks tasks of job $job_id completed with exit code 0 and wrote their parts to $out"
say "cluster up in ${up_seconds} s, whole check in $((SECONDS - started)) s"
