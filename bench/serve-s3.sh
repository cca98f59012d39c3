#!/usr/bin/env bash
# bench/serve-s3.sh: segment delivery with the s3 storage kind, through the service vs straight from the S3 server.
#
# Starts a real S3 server (S3Proxy, filesystem backend) and the service with vodpack.storage.kind=s3 on it, packages
# the 2-minute 1080p ~8 Mbit/s file of bench/package.sh through the API (its segments land in the bucket), then in one
# run drives, alternating, with wrk and a script that rotates over every video and audio segment:
#   service:  GET /content/{id}/video/seg_N.m4s  (the DONE check, then the bytes streamed from the bucket);
#   baseline: GET /<bucket>/packaged/<folder>/video/seg_N.m4s straight from the same S3 server (the same objects).
# Prints requests/s and MiB/s of each, the ratio service/S3 server (target >= 0.8) and the service's RSS.
# With DELIVERY_REDIRECT=true the service answers each segment with a 302 to a presigned URL, and wrk's figure is the
# redirects alone (what the service then serves; the bytes come from the bucket).
# Usage: bench/serve-s3.sh   (env: WRK_ARGS="-t2 -c32 -d15s", REPS=3; see bench/lib.sh)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
WRK_ARGS=${WRK_ARGS:--t2 -c32 -d15s}
REPS=${REPS:-3}
MAX_OTHERS=${BENCH_MAX_OTHERS:-1.5}
need_tool wrk wrk
export VODPACK_DELIVERY_REDIRECT=${DELIVERY_REDIRECT:-false}

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

echo
echo "== Segments from the bucket: ${#SEGMENTS[@]} objects (video + audio), mean $(kib_to_mib $((SEG_BYTES / ${#SEGMENTS[@]} / 1024))) MiB,"
echo "   wrk $WRK_ARGS, $REPS clean rounds, alternating; delivery.redirect=$VODPACK_DELIVERY_REDIRECT"
printf '%-6s %-10s %10s %10s %8s %8s %9s\n' round server req/s MiB/s p50_ms p99_ms others_s
svc_r=() svc_m=() s3_r=() s3_m=()
for ((attempt = 1; ${#svc_r[@]} < REPS && attempt <= 2 * REPS; attempt++)); do
    wait_quiet
    res=$(run_wrk "$BASE" "$WORK/service.lua")
    read -r q1 m1 p50 p99 OTHERS_CPU <<<"$res"
    clean=true
    is_clean || clean=false
    printf '%-6s %-10s %10s %10s %8s %8s %9s\n' "$attempt" vodpack "$q1" "$m1" "$p50" "$p99" "$OTHERS_CPU"
    wait_quiet
    res=$(run_wrk "$S3" "$WORK/s3.lua")
    read -r q2 m2 p50 p99 OTHERS_CPU <<<"$res"
    is_clean || clean=false
    note=""
    $clean || note="  (round skewed by other processes: not counted)"
    printf '%-6s %-10s %10s %10s %8s %8s %9s%s\n' "$attempt" s3-server "$q2" "$m2" "$p50" "$p99" "$OTHERS_CPU" "$note"
    if $clean; then svc_r+=("$q1") svc_m+=("$m1") s3_r+=("$q2") s3_m+=("$m2"); fi
done
((${#svc_r[@]} > 0)) || die "no clean round: other processes kept the machine busy"
sr=$(median "${svc_r[@]}") sm=$(median "${svc_m[@]}") nr=$(median "${s3_r[@]}") nm=$(median "${s3_m[@]}")
printf '%-6s %-10s %10s %10s\n' median vodpack "$sr" "$sm"
printf '%-6s %-10s %10s %10s\n' median s3-server "$nr" "$nm"
echo "ratio vodpack/S3 server: requests/s $(ratio "$sr" "$nr"), MiB/s $(ratio "$sm" "$nm")  (target >= 0.8)"
echo "service RSS after the rounds: $(kib_to_mib "$(rss_kib "$SVC_PID")") MiB"
echo "(medians of the ${#svc_r[@]} clean rounds; both sides share the machine with the S3 server, which the service's"
echo " requests also load: each segment through the service costs the S3 server its own GET; see docs/storage.md)"

delete_job "$JOB"
delete_input "$INPUT"
