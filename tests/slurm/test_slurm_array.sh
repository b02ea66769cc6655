#!/usr/bin/env bash
# Integration test on a real single-node Slurm cluster started here (slurm-wlm + munge):
#  1. a 4-task array scores a corpus with `ladm score --shard-dir`, `ladm merge` ingests it,
#     and the merged scores equal a single-process run's (within 1e-6);
#  2. one task of a second array is cancelled mid-run, merge reports it incomplete, the
#     task is resubmitted, the merge is then complete and no sample was scored twice.
# The daemons are started with a config written here and stopped by PID at the end. If they
# cannot start, the test fails and prints their logs; it never skips.
# usage: test_slurm_array.sh LADM_BIN FIXTURE_BIN
set -euo pipefail
LADM=$1
FIXTURE=$2
W=$(mktemp -d /tmp/ladm-slurm.XXXXXX)
chmod 755 "$W"
export SLURM_CONF=$W/slurm.conf
H=$(hostname -s)
PORT=$((20000 + RANDOM % 20000))

fail() {
  echo "FAIL: $*" >&2
  for f in "$W"/job*.log "$W"/*.log; do [[ -f $f ]] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }; done
  exit 1
}
cleanup() {
  for p in slurmd slurmctld munged; do
    [[ -f $W/$p.pid ]] && kill "$(cat "$W/$p.pid")" 2>/dev/null || true
  done
  sleep 1
  rm -rf "$W"
}
trap cleanup EXIT

[[ $(id -u) -eq 0 ]] || fail "needs root to start slurmctld/slurmd/munged (CI runs as root)"
for b in munged slurmctld slurmd sbatch squeue scancel sinfo; do
  command -v "$b" >/dev/null || fail "$b not found: install slurm-wlm and munge (scripts/install-deps.sh does)"
done

# --- the cluster -------------------------------------------------------------------------
mkdir -p "$W/state" "$W/spool" "$W/munge" "$W/xdg-run"
chmod 700 "$W/xdg-run"
chmod 700 "$W/munge"
dd if=/dev/urandom of="$W/munge.key" bs=1024 count=1 status=none
chmod 400 "$W/munge.key"
cat > "$W/slurm.conf" <<EOF
ClusterName=ladmtest
SlurmctldHost=$H
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$W/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
NodeName=$H CPUs=$(nproc) RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
EOF
munged --force --key-file="$W/munge.key" --socket="$W/munge/munge.sock" --pid-file="$W/munged.pid" \
  --log-file="$W/munged.log" --seed-file="$W/munge.seed" || fail "munged did not start"
slurmctld -f "$W/slurm.conf" || fail "slurmctld did not start"
slurmd -f "$W/slurm.conf" || fail "slurmd did not start"
for _ in $(seq 60); do
  sinfo -h -o %T 2>/dev/null | grep -q idle && break
  sleep 0.5
done
sinfo -h -o %T | grep -q idle || fail "the node never became idle"
echo "cluster up on $H:$PORT"

# --- fixtures ----------------------------------------------------------------------------
"$FIXTURE" model "$W/model"
"$FIXTURE" corpus "$W/corpus.jsonl" 40 600 1
"$FIXTURE" corpus "$W/slow.jsonl" 48 5000 2
PARAMS=(--span 16 --d-afs 2 --d-cds 2 --device cpu --threads 1 --quiet)

wait_job() { # job id: wait until no task of it is queued or running
  for _ in $(seq 600); do
    [[ -z $(squeue -h -j "$1" 2>/dev/null) ]] && return 0
    sleep 0.5
  done
  fail "job $1 did not finish"
}

# --- 1. array run == single-process run --------------------------------------------------
"$LADM" score --model "$W/model" --cache "$W/single.db" "${PARAMS[@]}" "$W/corpus.jsonl"
JOB=$(sbatch --parsable --array=0-3 -o "$W/job1-%a.log" \
  --wrap "$LADM score --model $W/model --shard-dir $W/out1 --scores-out $W/out1/scores-\$SLURM_ARRAY_TASK_ID.jsonl ${PARAMS[*]} $W/corpus.jsonl")
# (task 0..3 of a whole array: the shard comes from SLURM_ARRAY_TASK_ID / _COUNT)
wait_job "$JOB"
for k in 0 1 2 3; do
  [[ -f $W/out1/task-0000$k-of-00004.done ]] || fail "task $k of job $JOB left no .done marker"
done
"$LADM" merge "$W/out1" --cache "$W/merged.db" | tee "$W/merge1.txt"
grep -q "complete 4" "$W/merge1.txt" || fail "merge did not see 4 complete tasks"
"$FIXTURE" compare "$W/single.db" "$W/merged.db" 1e-6 || fail "merged scores differ from the single-process run"
# merging again changes nothing; a finished task re-run exits at once
"$LADM" merge "$W/out1" --cache "$W/merged.db" >/dev/null
"$FIXTURE" compare "$W/single.db" "$W/merged.db" 1e-6 || fail "a second merge changed the scores"
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=4 "$LADM" score --model "$W/model" --shard-dir "$W/out1" \
  "${PARAMS[@]}" "$W/corpus.jsonl" 2>&1 | grep -q "already complete" || fail "a finished task ran again"
LINES=$(cat "$W"/out1/scores-*.jsonl | wc -l)
[[ $LINES -eq 40 ]] || fail "the array scored $LINES samples, expected 40"

# --- 2. cancel one task mid-run, resubmit, merge -----------------------------------------
# Explicit --shard K/4, as the sbatch template does, so a single resubmitted task keeps N.
SCRIPT="$LADM score --model $W/model --shard-dir $W/out2 --shard \$SLURM_ARRAY_TASK_ID/4 --scores-out $W/out2/scores-\$SLURM_ARRAY_TASK_ID.jsonl ${PARAMS[*]} $W/slow.jsonl"
JOB=$(sbatch --parsable --array=0-3 -o "$W/job2-%a.log" --wrap "$SCRIPT")
T2=$W/out2/task-00002-of-00004.db
for _ in $(seq 1200); do
  [[ -f $T2 ]] && [[ $("$FIXTURE" count "$T2") -ge 2 ]] && break
  sleep 0.25
done
[[ -f $W/out2/task-00002-of-00004.done ]] && fail "task 2 finished before it could be cancelled (make the corpus slower)"
scancel "${JOB}_2"
wait_job "$JOB"
[[ -f $W/out2/task-00002-of-00004.done ]] && fail "task 2 finished before the cancel took effect (make the corpus slower)"
DONE_BEFORE=$("$FIXTURE" count "$T2") # what the cancelled task had committed
echo "task 2 cancelled after $DONE_BEFORE committed samples"
set +e
"$LADM" merge "$W/out2" --cache "$W/merged2.db" > "$W/merge2.txt"
RC=$?
set -e
cat "$W/merge2.txt"
[[ $RC -eq 3 ]] || fail "merge with a cancelled task exited $RC, expected 3"
grep -q "task 2: incomplete" "$W/merge2.txt" || fail "merge did not name task 2 as incomplete"
JOB2=$(sbatch --parsable --array=2 -o "$W/job3-%a.log" --wrap "$SCRIPT")
wait_job "$JOB2"
"$LADM" merge "$W/out2" --cache "$W/merged2.db" | tee "$W/merge3.txt"
grep -q "complete 4" "$W/merge3.txt" || fail "after resubmitting task 2 the merge is still incomplete"
[[ $("$FIXTURE" count "$W/merged2.db") -eq 48 ]] || fail "merged cache does not hold all 48 samples"
TOTAL=$(cat "$W"/out2/scores-*.jsonl | wc -l)
UNIQUE=$(cat "$W"/out2/scores-*.jsonl | sed 's/.*"id":"\([^"]*\)".*/\1/' | sort -u | wc -l)
[[ $TOTAL -eq 48 && $UNIQUE -eq 48 ]] || fail "scored $TOTAL lines for $UNIQUE samples: something was scored twice or lost"
grep -q " $DONE_BEFORE cached" "$W/job3-2.log" || fail "the resubmitted task did not resume from its $DONE_BEFORE committed samples"
# The desktop app opens the merged cache like any other.
STUDIO=$(dirname "$LADM")/ladm-studio
if [[ -x $STUDIO ]]; then
  XDG_CONFIG_HOME=$W/xdg XDG_DATA_HOME=$W/xdg XDG_RUNTIME_DIR=$W/xdg-run QT_QPA_PLATFORM=offscreen \
    "$STUDIO" --cache "$W/merged2.db" --summary > "$W/studio.txt" 2>&1 || { cat "$W/studio.txt"; fail "ladm-studio could not open the merged cache"; }
  grep -q "48 results" "$W/studio.txt" || { cat "$W/studio.txt"; fail "ladm-studio did not show the 48 merged results"; }
fi
echo "PASS: array == single process; cancelled task resumed ($DONE_BEFORE kept), merge complete, nothing scored twice"
