#!/usr/bin/env bash
# bench/serve.sh: segment delivery of the service (Vert.x static route behind the DONE check) vs nginx.
#
# Packages the 2-minute 1080p ~8 Mbit/s file of bench/package.sh through the API, starts nginx (sendfile on) on
# another loopback port with /content/ aliased to the same storage/packaged folder, then in one run drives both
# with wrk and a Lua script that rotates over every video and audio segment URL of the stream:
#   1. the first 15 s after start: REPS times the service is restarted (same schema and storage) and loaded as soon as
#      /q/health/ready answers 200, and nginx is restarted and loaded the same way; ratio service/nginx (target >= 0.8);
#   2. warm: after a warm-up of each, requests/s and MiB/s of each, ratio service/nginx (target >= 0.9);
#   3. requests/s of GET /packaged_content/{id}.
# Rounds in which other users' processes took more than BENCH_MAX_OTHERS CPU-s are shown, not counted, and repeated.
# Usage: bench/serve.sh   (env: WRK_ARGS="-t2 -c32 -d15s", REPS=3, NGINX_PORT=18081, see bench/lib.sh)
# STORAGE_KIND=s3: the streams are objects in an S3 bucket, served through the service vs straight from the S3 server
# (bench/serve-s3.sh).
set -euo pipefail
if [[ ${STORAGE_KIND:-filesystem} == s3 ]]; then
    exec bash "$(dirname "$0")/serve-s3.sh" "$@"
fi
source "$(dirname "$0")/lib.sh"
WRK_ARGS=${WRK_ARGS:--t2 -c32 -d15s}
REPS=${REPS:-3}
MAX_OTHERS=${BENCH_MAX_OTHERS:-1.5}   # 15 s runs: allow the usual background of this machine (~0.5 CPU-s)
NGINX_PORT=${NGINX_PORT:-18081}
[[ $NGINX_PORT != 8080 ]] || die "refusing port 8080"
need_tool wrk wrk
need_tool nginx nginx-light

SRC=$(media_1080p_2min)
start_service
[[ -d $STORAGE/packaged ]] || die "set VODPACK_STORAGE to the service's storage root (nginx serves its packaged folder)"
res=$(upload "$SRC")
INPUT=${res%% *}
JOB=$(package_start "$INPUT")
package_wait "$JOB"
# The job's live output folder: each packaging attempt publishes into its own packaged/<job>-<attempt>-<token>.
DIR=$(find "$STORAGE/packaged" -mindepth 1 -maxdepth 1 -type d -name "$JOB-*" | head -n 1)
[[ -n $DIR ]] || die "no published folder for job $JOB under $STORAGE/packaged"
log "job $JOB packaged into $DIR"

mapfile -t SEGMENTS < <(cd "$DIR" && ls video/seg_*.m4s audio/seg_*.m4s | sort -V)
((${#SEGMENTS[@]} > 0)) || die "no segments in $DIR"
SEG_BYTES=$(cd "$DIR" && cat "${SEGMENTS[@]}" | wc -c)
LUA="$WORK/segments.lua"
segments_lua "/content/$JOB/" "${SEGMENTS[@]}" >"$LUA"

# nginx on the same folder: minimal config, sendfile on, same URL paths.
mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types { video/mp4 m4s mp4; application/dash+xml mpd; }
    default_type application/octet-stream;
    client_body_temp_path $WORK/nginx/client_body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location /content/$JOB/ { alias $DIR/; }
    }
}
EOF
NGINX="http://127.0.0.1:$NGINX_PORT"
# start_nginx: starts (or restarts) nginx and waits until it serves the first segment
start_nginx() {
    if [[ -n $NGINX_PID ]]; then
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    fi
    nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log" -g 'daemon off;' &
    NGINX_PID=$!
    local i
    for ((i = 0; i < 500; i++)); do curl -fsS -o /dev/null "$NGINX/content/$JOB/${SEGMENTS[0]}" 2>/dev/null && return 0; sleep 0.01; done
    die "nginx did not start: $(tail -5 "$WORK/nginx/logs/error.log")"
}
start_nginx
# Both must answer the same bytes.
for s in "${SEGMENTS[0]}" "${SEGMENTS[-1]}"; do
    cmp -s <(curl -fsS "$BASE/content/$JOB/$s") <(curl -fsS "$NGINX/content/$JOB/$s") || die "$s differs between service and nginx"
done

# The status endpoint needs the API key: the script sets the header on every request.
{ printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$API_KEY"; cat <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d bytes=%d duration_us=%d socket_errors=%d non2xx=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.bytes, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
EOF
} >"$WORK/plain.lua"
if $OWN_SERVICE; then
    echo
    echo "== Segments in the first 15 s after start: ${#SEGMENTS[@]} URLs, wrk -t2 -c32 -d15s started as soon as the server is ready, $REPS clean rounds"
    printf '%-6s %-8s %10s %10s %8s %8s %9s %9s\n' round server req/s MiB/s p50_ms p99_ms ready_ms others_s
    cold_s=() cold_n=()
    WRK_ARGS_SAVED=$WRK_ARGS
    WRK_ARGS="-t2 -c32 -d15s"
    for ((attempt = 1; ${#cold_s[@]} < REPS && attempt <= 2 * REPS; attempt++)); do
        wait_quiet
        restart_service
        res=$(run_wrk "$BASE" "$LUA")
        read -r q1 m1 p50 p99 OTHERS_CPU <<<"$res"
        clean=true
        is_clean || clean=false
        printf '%-6s %-8s %10s %10s %8s %8s %9s %9s\n' "$attempt" vodpack "$q1" "$m1" "$p50" "$p99" "$READY_MS" "$OTHERS_CPU"
        wait_quiet
        start_nginx
        res=$(run_wrk "$NGINX" "$LUA")
        read -r q2 m2 p50 p99 OTHERS_CPU <<<"$res"
        is_clean || clean=false
        note=""
        $clean || note="  (round skewed by other processes: not counted)"
        printf '%-6s %-8s %10s %10s %8s %8s %9s %9s%s\n' "$attempt" nginx "$q2" "$m2" "$p50" "$p99" "" "$OTHERS_CPU" "$note"
        if $clean; then cold_s+=("$m1") cold_n+=("$m2"); fi
    done
    WRK_ARGS=$WRK_ARGS_SAVED
    if ((${#cold_s[@]} > 0)); then
        echo "ratio vodpack/nginx in the first 15 s, MiB/s: $(ratio "$(median "${cold_s[@]}")" "$(median "${cold_n[@]}")") (medians $(median "${cold_s[@]}") / $(median "${cold_n[@]}"); per round: $(for i in "${!cold_s[@]}"; do printf '%s ' "$(ratio "${cold_s[$i]}" "${cold_n[$i]}")"; done)) (target >= 0.8)"
    else
        echo "no clean round: other processes kept the machine busy"
    fi
fi

wait_quiet
log "warm-up: 5 s against each server, 10 s against the status endpoint (not counted)"
WRK_ARGS_SAVED=$WRK_ARGS
WRK_ARGS="-t2 -c32 -d5s"
run_wrk "$BASE" "$LUA" >/dev/null
run_wrk "$NGINX" "$LUA" >/dev/null
WRK_ARGS="-t2 -c32 -d10s"   # the JSON path needs longer before the JIT settles
run_wrk "$BASE/packaged_content/$JOB" "$WORK/plain.lua" >/dev/null
WRK_ARGS=$WRK_ARGS_SAVED

echo
echo "== Segments: ${#SEGMENTS[@]} URLs (video + audio), mean $(kib_to_mib $((SEG_BYTES / ${#SEGMENTS[@]} / 1024))) MiB, wrk $WRK_ARGS, $REPS clean rounds, alternating"
printf '%-6s %-8s %10s %10s %8s %8s %9s\n' round server req/s MiB/s p50_ms p99_ms others_s
svc_r=() svc_m=() ngx_r=() ngx_m=()
for ((attempt = 1; ${#svc_r[@]} < REPS && attempt <= 2 * REPS; attempt++)); do
    wait_quiet
    res=$(run_wrk "$BASE" "$LUA")
    read -r q1 m1 p50 p99 OTHERS_CPU <<<"$res"
    clean=true
    is_clean || clean=false
    printf '%-6s %-8s %10s %10s %8s %8s %9s\n' "$attempt" vodpack "$q1" "$m1" "$p50" "$p99" "$OTHERS_CPU"
    wait_quiet
    res=$(run_wrk "$NGINX" "$LUA")
    read -r q2 m2 p50 p99 OTHERS_CPU <<<"$res"
    is_clean || clean=false
    note=""
    $clean || note="  (round skewed by other processes: not counted)"
    printf '%-6s %-8s %10s %10s %8s %8s %9s%s\n' "$attempt" nginx "$q2" "$m2" "$p50" "$p99" "$OTHERS_CPU" "$note"
    if $clean; then svc_r+=("$q1") svc_m+=("$m1") ngx_r+=("$q2") ngx_m+=("$m2"); fi
done
((${#svc_r[@]} > 0)) || die "no clean round: other processes kept the machine busy"
sr=$(median "${svc_r[@]}") sm=$(median "${svc_m[@]}") nr=$(median "${ngx_r[@]}") nm=$(median "${ngx_m[@]}")
printf '%-6s %-8s %10s %10s\n' median vodpack "$sr" "$sm"
printf '%-6s %-8s %10s %10s\n' median nginx "$nr" "$nm"
echo "ratio vodpack/nginx warm: requests/s $(ratio "$sr" "$nr"), MiB/s $(ratio "$sm" "$nm")  (target >= 0.9)"
echo "(medians of the ${#svc_r[@]} clean rounds; others_s: CPU seconds other users' processes took during the run)"

echo
echo "== GET /packaged_content/$JOB (status JSON from the database), wrk $WRK_ARGS, $REPS clean runs"
printf '%-6s %10s %8s %8s %9s\n' run req/s p50_ms p99_ms others_s
st_r=()
for ((attempt = 1; ${#st_r[@]} < REPS && attempt <= 2 * REPS; attempt++)); do
    wait_quiet
    others_start
    res=$(run_wrk "$BASE/packaged_content/$JOB" "$WORK/plain.lua")
    others_stop
    read -r q m p50 p99 _ <<<"$res"
    note=""
    if is_clean; then st_r+=("$q"); else note="  (skewed by other processes: not counted)"; fi
    printf '%-6s %10s %8s %8s %9s%s\n' "$attempt" "$q" "$p50" "$p99" "$OTHERS_CPU" "$note"
done
((${#st_r[@]} > 0)) || die "no clean run: other processes kept the machine busy"
printf '%-6s %10s\n' median "$(median "${st_r[@]}")"

delete_job "$JOB"
delete_input "$INPUT"
