#!/usr/bin/env bash
# bench/package.sh: packaging through the API vs the bare Shaka Packager CLI.
#
# Uses a 2-minute 1080p ~8 Mbit/s H.264 + AAC MP4 (generated once with ffmpeg, cached in $BENCH_MEDIA), uploads it
# once, then in one run:
#   1. REPS x: the Shaka Packager command line the service runs (ShakaPackager.commandLines) timed directly, and
#      the API path timed from POST /packaged_content until GET /packaged_content/{id} answers 200 (polled every
#      100 ms); ratio API/CLI (target <= 1.10);
#   2. 4 jobs POSTed at once vs 4 sequential CLI runs (and, for reference, 4 CLI runs 2 at a time): wall times, ratio.
# The service packages min(jobs, vodpack.packaging.concurrency = number of cores) at once.
# Usage: bench/package.sh   (env: REPS=5, see bench/lib.sh)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
REPS=${REPS:-5}
JOBS=4

SRC=$(media_1080p_2min)
SRC_BYTES=$(stat -c %s "$SRC")
start_service
res=$(upload "$SRC")
INPUT=${res%% *}
log "input $INPUT: $SRC ($SRC_BYTES bytes)"

# cli_run N: one CLI run into a fresh folder; prints its wall time in ns
cli_run() {
    local out="$WORK/cli-$1" t0 t1
    rm -rf "$out"
    t0=$(now_ns)
    shaka_cli "$SRC" "$out" || die "packager failed: $(tail -5 "$out/work/engine.log")"
    t1=$(now_ns)
    rm -rf "$out"
    echo $((t1 - t0))
}

# job_times FILE: "QUEUED_S RUN_S" of a DONE job's JSON: created_at..started_at and started_at..finished_at
job_times() {
    jq -r 'def ts: capture("^(?<s>[^.Z+]+)(?<f>[.][0-9]+)?") | ((.s + "Z") | fromdateiso8601) + ((.f // "0") | tonumber);
        "\((.started_at | ts) - (.created_at | ts) | . * 100 | round / 100) \((.finished_at | ts) - (.started_at | ts) | . * 100 | round / 100)"' "$1"
}

# api_run: one job through the API; prints "NS QUEUED_S RUN_S" (wall time POST..200, then the job's own times)
api_run() {
    local t0 t1 id
    t0=$(now_ns)
    id=$(package_start "$INPUT")
    package_wait "$id"
    t1=$(now_ns)
    echo "$((t1 - t0)) $(job_times "$WORK/job.$id.json")"
    delete_job "$id"
}

log "warm-up: one CLI run and one API job (not counted)"
cli_run warm >/dev/null
api_run >/dev/null
wait_quiet

echo
echo "== One job: $SRC ($(kib_to_mib $((SRC_BYTES / 1024))) MiB, 1080p, 2 min), $REPS runs"
printf '%-6s %8s %8s %12s %16s %14s %9s\n' run cli_s api_s api/cli job_queued_s job_running_s others_s
clis=() apis=() ratios=()
for ((r = 1; r <= REPS; r++)); do
    others_start
    cli_ns=$(cli_run "$r")
    res=$(api_run)
    others_stop
    read -r api_ns queued running <<<"$res"
    clis+=("$(secs "$cli_ns")") apis+=("$(secs "$api_ns")") ratios+=("$(ratio "$api_ns" "$cli_ns")")
    printf '%-6s %8s %8s %12s %16s %14s %9s\n' "$r" "${clis[-1]}" "${apis[-1]}" "${ratios[-1]}" "$queued" "$running" "$OTHERS_CPU"
done
printf '%-6s %8s %8s %12s\n' median "$(median "${clis[@]}")" "$(median "${apis[@]}")" "$(median "${ratios[@]}")"
echo "target: API/CLI <= 1.10 -> median $(median "${ratios[@]}")"
echo "(job_queued_s, job_running_s: the job's created_at..started_at and started_at..finished_at; others_s: CPU seconds"
echo " other users' processes took during the run, 0 on a quiet machine)"

wait_quiet
echo
echo "== $JOBS jobs"
others_start
t0=$(now_ns)
for ((i = 1; i <= JOBS; i++)); do cli_run "seq$i" >/dev/null; done
t1=$(now_ns)
seq_ns=$((t1 - t0))

t0=$(now_ns)
pids=()
for ((i = 1; i <= JOBS; i++)); do cli_run "par$i" >/dev/null & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || die "a CLI run failed"; done
t1=$(now_ns)
par_ns=$((t1 - t0))

PAR=$(nproc)
t0=$(now_ns)
pool=()
for ((i = 1; i <= JOBS; i++)); do
    while ((${#pool[@]} >= PAR)); do
        wait -n -p finished "${pool[@]}" || die "a CLI run failed"
        for j in "${!pool[@]}"; do [[ ${pool[j]} == "$finished" ]] && unset 'pool[j]'; done
        pool=("${pool[@]}")
    done
    cli_run "pool$i" >/dev/null &
    pool+=($!)
done
for p in "${pool[@]}"; do wait "$p" || die "a CLI run failed"; done
t1=$(now_ns)
pool_ns=$((t1 - t0))

ids=()
t0=$(now_ns)
for ((i = 1; i <= JOBS; i++)); do ids+=("$(package_start "$INPUT")"); done
package_wait "${ids[@]}"
t1=$(now_ns)
api4_ns=$((t1 - t0))
others_stop
for id in "${ids[@]}"; do echo "API job $id: queued_s running_s = $(job_times "$WORK/job.$id.json")"; delete_job "$id"; done

printf '%-40s %8s\n' "" wall_s
printf '%-40s %8s\n' "$JOBS CLI runs one after another" "$(secs "$seq_ns")"
printf '%-40s %8s\n' "$JOBS CLI runs $PAR at a time" "$(secs "$pool_ns")"
printf '%-40s %8s\n' "$JOBS CLI runs all at once" "$(secs "$par_ns")"
printf '%-40s %8s\n' "$JOBS API jobs POSTed at once" "$(secs "$api4_ns")"
echo "ratio API ($JOBS at once) / CLI ($JOBS sequential): $(ratio "$api4_ns" "$seq_ns")"
echo "ratio API ($JOBS at once) / CLI ($PAR at a time):   $(ratio "$api4_ns" "$pool_ns")"
echo "CPU seconds taken by other users' processes during this section: $OTHERS_CPU"
delete_input "$INPUT"
