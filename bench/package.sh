#!/usr/bin/env bash
# bench/package.sh: packaging through the API vs the bare Shaka Packager CLI.
#
# Uses a 2-minute 1080p ~8 Mbit/s H.264 + AAC MP4 (generated once with ffmpeg, cached in $BENCH_MEDIA), uploads it
# once, then in one run:
#   1. REPS x: the Shaka Packager command line the service runs (ShakaPackager.commandLines) timed directly, and
#      the API path timed from POST /packaged_content until GET /packaged_content/{id}?wait=30 (long polling: it
#      answers as soon as the job changes) answers 200; ratio API/CLI (target <= 1.05);
#   2. 4 jobs POSTed at once vs 4 sequential CLI runs (and, for reference, 4 CLI runs 2 at a time): wall times, ratio.
# The service packages min(jobs, vodpack.packaging.concurrency = number of cores) at once.
# Runs in which other users' processes took more than BENCH_MAX_OTHERS CPU-s are shown, not counted, and repeated.
# The service log keeps each job's timeline at DEBUG (checks, engine start, engine run, MPD and playlist check, fsync,
# publish, DONE commit): run with KEEP_WORK=1 and read "timeline" in $WORK/service.log.
# Usage: bench/package.sh   (env: REPS=5; WARMUP_JOBS=10; ONE_JOB_ONLY=1 skips part 2; see bench/lib.sh)
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

# engine_s ID: seconds the engine process ran inside the service for job ID ("engine start" + "engine run" of the
# job's DEBUG timeline in the service log; "-" without one, e.g. with VODPACK_URL)
engine_s() {
    local line
    line=$(grep -h "Job $1 timeline:" "$WORK/service.log" 2>/dev/null | tail -1)
    [[ -n $line ]] || { echo -; return; }
    awk -v l="$line" 'BEGIN { match(l, /engine start [0-9.]+/); s = substr(l, RSTART + 13, RLENGTH - 13)
        match(l, /engine run [0-9.]+/); r = substr(l, RSTART + 11, RLENGTH - 11); printf "%.2f", (s + r) / 1000 }'
}

# api_run: one job through the API; prints "NS QUEUED_S RUN_S ENGINE_S" (wall time POST..200, the job's own times, and
# the engine's time inside the service). The client is bench/api_job.py, one keep-alive connection that a program
# talking HTTP itself would hold (BENCH_CLIENT=curl: a curl process per request, as a shell script would, ~5-10 ms each)
api_run() {
    local t0 t1 id ns
    if [[ ${BENCH_CLIENT:-keepalive} == curl ]]; then
        t0=$(now_ns)
        id=$(package_start "$INPUT")
        package_wait "$id"
        t1=$(now_ns)
        ns=$((t1 - t0))
    else
        read -r ns id < <(python3 "$BENCH_DIR/api_job.py" "$BASE" "$AUTH" "$INPUT" "$KEY_B64" "$KID_B64" "$WORK/job.last.json") \
            || die "the API client failed"
        [[ -n $id ]] || die "the API client failed"
        mv "$WORK/job.last.json" "$WORK/job.$id.json"
    fi
    sleep 0.2 # the timeline is logged right after the DONE commit
    echo "$ns $(job_times "$WORK/job.$id.json") $(engine_s "$id")"
    delete_job "$id"
}

# The first job after a start runs the service's code cold (interpreted until the JIT compiles it: a status GET takes
# 6-12 ms then, 1 ms once warm); it is timed and shown apart. The counted runs measure a warmed service, as one that has
# served a while is: WARMUP_JOBS more jobs first (default 10).
log "warm-up: one CLI run, then the first API job after the start (shown, not counted)"
cli_ns=$(cli_run warm)
read -r api_ns _ <<<"$(api_run)"
FIRST_JOB="first API job after the start: $(secs "$api_ns") s, $(ratio "$api_ns" "$cli_ns")x the CLI run before it ($(secs "$cli_ns") s)"
log "$FIRST_JOB"
log "warm-up: ${WARMUP_JOBS:-10} more API jobs (not counted)"
for ((i = 0; i < ${WARMUP_JOBS:-10}; i++)); do api_run >/dev/null; done

echo
echo "== One job: $SRC ($(kib_to_mib $((SRC_BYTES / 1024))) MiB, 1080p, 2 min), $REPS clean runs"
echo "   ($FIRST_JOB; then ${WARMUP_JOBS:-10} warm-up jobs)"
printf '%-6s %8s %8s %12s %16s %14s %9s %13s %9s\n' run cli_s api_s api/cli job_queued_s job_running_s others_s \
    engine_in_svc api-eng
clis=() apis=() ratios=()
for ((attempt = 1; ${#ratios[@]} < REPS && attempt <= 2 * REPS; attempt++)); do
    wait_quiet
    others_start
    cli_ns=$(cli_run "$attempt")
    res=$(api_run)
    others_stop
    read -r api_ns queued running engine <<<"$res"
    cli=$(secs "$cli_ns") api=$(secs "$api_ns") rt=$(ratio "$api_ns" "$cli_ns") note=""
    overhead=$([[ $engine == - ]] && echo - || awk -v a="$api" -v e="$engine" 'BEGIN { printf "%.2f", a - e }')
    if is_clean; then
        clis+=("$cli") apis+=("$api") ratios+=("$rt")
    else
        note="  (skewed by other processes: not counted)"
    fi
    printf '%-6s %8s %8s %12s %16s %14s %9s %13s %9s%s\n' "$attempt" "$cli" "$api" "$rt" "$queued" "$running" "$OTHERS_CPU" \
        "$engine" "$overhead" "$note"
done
((${#ratios[@]} > 0)) || die "no clean run: other processes kept the machine busy"
printf '%-6s %8s %8s %12s\n' median "$(median "${clis[@]}")" "$(median "${apis[@]}")" "$(median "${ratios[@]}")"
echo "target: API/CLI <= 1.05 -> median $(median "${ratios[@]}")"
echo "(medians of the ${#ratios[@]} clean runs; job_queued_s, job_running_s: the job's created_at..started_at and"
echo " started_at..finished_at; others_s: CPU seconds other users' processes took during the run; engine_in_svc: the"
echo " engine process as the service ran it, from the job's timeline; api-eng: what the API adds to it, client included)"

if [[ -n ${ONE_JOB_ONLY:-} ]]; then
    delete_input "$INPUT"
    exit 0
fi

seq4() {
    local t0 t1 i
    t0=$(now_ns)
    for ((i = 1; i <= JOBS; i++)); do cli_run "seq$i" >/dev/null; done
    t1=$(now_ns)
    seq_ns=$((t1 - t0))
}
all4() {
    local t0 t1 i p pids=()
    t0=$(now_ns)
    for ((i = 1; i <= JOBS; i++)); do cli_run "par$i" >/dev/null & pids+=($!); done
    for p in "${pids[@]}"; do wait "$p" || die "a CLI run failed"; done
    t1=$(now_ns)
    all_ns=$((t1 - t0))
}
PAR=$(nproc)
pool4() {
    local t0 t1 i j p finished pool=()
    t0=$(now_ns)
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
}
ids=()
api4() {
    local t0 t1 i id
    for id in "${ids[@]}"; do delete_job "$id"; done
    ids=()
    t0=$(now_ns)
    for ((i = 1; i <= JOBS; i++)); do ids+=("$(package_start "$INPUT")"); done
    package_wait "${ids[@]}"
    t1=$(now_ns)
    api4_ns=$((t1 - t0))
}

echo
echo "== $JOBS jobs (the service runs $PAR at a time: vodpack.packaging.concurrency defaults to the number of cores)"
printf '%-40s %8s %9s\n' "" wall_s others_s
clean_attempts seq4
printf '%-40s %8s %9s\n' "$JOBS CLI runs one after another" "$(secs "$seq_ns")" "$OTHERS_CPU"
clean_attempts pool4
printf '%-40s %8s %9s\n' "$JOBS CLI runs $PAR at a time" "$(secs "$pool_ns")" "$OTHERS_CPU"
clean_attempts all4
printf '%-40s %8s %9s\n' "$JOBS CLI runs all at once" "$(secs "$all_ns")" "$OTHERS_CPU"
clean_attempts api4
printf '%-40s %8s %9s\n' "$JOBS API jobs POSTed at once" "$(secs "$api4_ns")" "$OTHERS_CPU"
for id in "${ids[@]}"; do echo "  API job $id: queued_s running_s = $(job_times "$WORK/job.$id.json")"; delete_job "$id"; done
echo "ratio API ($JOBS at once) / CLI ($JOBS sequential): $(ratio "$api4_ns" "$seq_ns")"
echo "ratio API ($JOBS at once) / CLI ($PAR at a time):   $(ratio "$api4_ns" "$pool_ns")"
delete_input "$INPUT"
