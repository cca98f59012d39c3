#!/usr/bin/env bash
# bench/serve-s3.sh: segment delivery with the s3 storage kind, through the service vs straight from the S3 server.
#
# Starts a real S3 server (S3Proxy, filesystem backend) and the service with vodpack.storage.kind=s3 on it, packages
# the 2-minute 1080p ~8 Mbit/s file of bench/package.sh through the API (its segments land in the bucket), then in one
# run drives, alternating, with wrk and a script that rotates over every video and audio segment:
#   service:  GET /content/{id}/video/seg_N.m4s  (the DONE check, then the bytes sent from the segment this replica
#             keeps on its scratch disk, read from the bucket once; with DELIVERY_CACHE_SIZE=0, streamed from the bucket
#             for every request);
#   baseline: GET /<bucket>/packaged/<folder>/video/seg_N.m4s straight from the same S3 server (the same objects).
# Prints requests/s and MiB/s of each, the ratio service/S3 server (target >= 0.8), the CPU seconds per GiB served
# that the service and the S3 server spent in each round (svc_cpu, s3_cpu), and the service's RSS.
# With DELIVERY_REDIRECT=true the service answers each segment with a 302 to a presigned URL, and wrk's figure is the
# redirects alone (what the service then serves; the bytes come from the bucket).
# Usage: bench/serve-s3.sh   (env: WRK_ARGS="-t2 -c32 -d15s", REPS=3, DELIVERY_CACHE_SIZE=<bytes, default the
# service's 1 GiB>; see bench/lib.sh)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
WRK_ARGS=${WRK_ARGS:--t2 -c32 -d15s}
REPS=${REPS:-3}
MAX_OTHERS=${BENCH_MAX_OTHERS:-1.5}
need_tool wrk wrk
export VODPACK_DELIVERY_REDIRECT=${DELIVERY_REDIRECT:-false}
if [[ -n ${DELIVERY_CACHE_SIZE:-} ]]; then export VODPACK_DELIVERY_CACHE_SIZE=$DELIVERY_CACHE_SIZE; fi

SRC=$(media_1080p_2min)
start_s3
start_service
res=$(upload "$SRC")
INPUT=${res%% *}
JOB=$(package_start "$INPUT")
package_wait "$JOB"
# The published folder's objects, as the filesystem backend keeps them: <data>/<bucket>/packaged/<folder>/...
DIR=$(find "$S3_DATA/$S3_BUCKET/packaged" -mindepth 1 -maxdepth 1 -type d -name "$JOB-*" | head -n 1)
[[ -n $DIR ]] || die "no published objects for job $JOB in the bucket"
FOLDER=${DIR##*/}
log "job $JOB published as packaged/$FOLDER in bucket $S3_BUCKET"
mapfile -t SEGMENTS < <(cd "$DIR" && ls video/seg_*.m4s audio/seg_*.m4s | sort -V)
((${#SEGMENTS[@]} > 0)) || die "no segments under $DIR"
SEG_BYTES=$(cd "$DIR" && cat "${SEGMENTS[@]}" | wc -c)
segments_lua "/content/$JOB/" "${SEGMENTS[@]}" >"$WORK/service.lua"
segments_lua "/$S3_BUCKET/packaged/$FOLDER/" "${SEGMENTS[@]}" >"$WORK/s3.lua"
if [[ $VODPACK_DELIVERY_REDIRECT != true ]]; then
    for s in "${SEGMENTS[0]}" "${SEGMENTS[-1]}"; do
        cmp -s <(curl -fsS "$BASE/content/$JOB/$s") <(curl -fsS "$S3/$S3_BUCKET/packaged/$FOLDER/$s") \
            || die "$s differs between the service and the S3 server"
    done
fi

wait_quiet
log "warm-up: 5 s against each (not counted)"
WRK_ARGS_SAVED=$WRK_ARGS
WRK_ARGS="-t2 -c32 -d5s"
run_wrk "$BASE" "$WORK/service.lua" >/dev/null
run_wrk "$S3" "$WORK/s3.lua" >/dev/null
WRK_ARGS=$WRK_ARGS_SAVED

# measured URL SCRIPT: one wrk run; sets res (run_wrk's figures) and svc_cpu / s3_cpu (CPU-s per GiB served)
measured() {
    local svc0 s3p0 secs_run
    svc0=$(proc_cpu_ticks "$SVC_PID") s3p0=$(proc_cpu_ticks "$S3_PID")
    res=$(run_wrk "$1" "$2")
    local mib_s=${res#* }
    mib_s=${mib_s%% *}
    secs_run=$(wrk_seconds)
    local bytes
    bytes=$(awk -v m="$mib_s" -v s="$secs_run" 'BEGIN { printf "%.0f", m * 1048576 * s }')
    svc_cpu=$(cpu_s_per_gib $(($(proc_cpu_ticks "$SVC_PID") - svc0)) "$bytes")
    s3_cpu=$(cpu_s_per_gib $(($(proc_cpu_ticks "$S3_PID") - s3p0)) "$bytes")
}
# wrk_seconds: the duration of WRK_ARGS' -d, in seconds
wrk_seconds() { echo "$WRK_ARGS" | sed -n 's/.*-d *\([0-9]*\)s.*/\1/p'; }

echo
echo "== Segments from the bucket: ${#SEGMENTS[@]} objects (video + audio), mean $(kib_to_mib $((SEG_BYTES / ${#SEGMENTS[@]} / 1024))) MiB,"
echo "   wrk $WRK_ARGS, $REPS clean rounds, alternating; delivery.redirect=$VODPACK_DELIVERY_REDIRECT," \
    "delivery.cache-size=${VODPACK_DELIVERY_CACHE_SIZE:-default}"
printf '%-6s %-10s %10s %10s %8s %8s %9s %8s %8s\n' round server req/s MiB/s p50_ms p99_ms others_s svc_cpu s3_cpu
svc_r=() svc_m=() s3_r=() s3_m=()
for ((attempt = 1; ${#svc_r[@]} < REPS && attempt <= 2 * REPS; attempt++)); do
    wait_quiet
    measured "$BASE" "$WORK/service.lua"
    read -r q1 m1 p50 p99 OTHERS_CPU <<<"$res"
    clean=true
    is_clean || clean=false
    printf '%-6s %-10s %10s %10s %8s %8s %9s %8s %8s\n' "$attempt" vodpack "$q1" "$m1" "$p50" "$p99" "$OTHERS_CPU" "$svc_cpu" "$s3_cpu"
    wait_quiet
    measured "$S3" "$WORK/s3.lua"
    read -r q2 m2 p50 p99 OTHERS_CPU <<<"$res"
    is_clean || clean=false
    note=""
    $clean || note="  (round skewed by other processes: not counted)"
    printf '%-6s %-10s %10s %10s %8s %8s %9s %8s %8s%s\n' "$attempt" s3-server "$q2" "$m2" "$p50" "$p99" "$OTHERS_CPU" "$svc_cpu" "$s3_cpu" "$note"
    if $clean; then svc_r+=("$q1") svc_m+=("$m1") s3_r+=("$q2") s3_m+=("$m2"); fi
done
((${#svc_r[@]} > 0)) || die "no clean round: other processes kept the machine busy"
sr=$(median "${svc_r[@]}") sm=$(median "${svc_m[@]}") nr=$(median "${s3_r[@]}") nm=$(median "${s3_m[@]}")
printf '%-6s %-10s %10s %10s\n' median vodpack "$sr" "$sm"
printf '%-6s %-10s %10s %10s\n' median s3-server "$nr" "$nm"
echo "ratio vodpack/S3 server: requests/s $(ratio "$sr" "$nr"), MiB/s $(ratio "$sm" "$nm")  (target >= 0.8)"
echo "CPU-s per GiB served: svc_cpu is the service's, s3_cpu the S3 server's (through the service it serves every byte too)"
echo "service RSS after the rounds: $(kib_to_mib "$(rss_kib "$SVC_PID")") MiB"
echo "(medians of the ${#svc_r[@]} clean rounds; both sides share the machine with the S3 server, which the service's"
echo " requests also load: each segment through the service costs the S3 server its own GET; see docs/storage.md)"

delete_job "$JOB"
delete_input "$INPUT"
