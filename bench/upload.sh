#!/usr/bin/env bash
# bench/upload.sh: upload throughput, CPU cost and memory of POST /upload_input_content against an nginx WebDAV PUT.
#
# Builds (once, cached in $BENCH_MEDIA) ~100 MiB, ~256 MiB, ~1 GiB and ~4000 MiB valid H.264 + AAC MP4s by looping a
# 1 s lossless 1080p clip with `ffmpeg -stream_loop -c copy`, starts nginx (WebDAV PUT, one worker, temp files and
# destination on the service's disk; installed with apt when missing), then in one run:
#   1. single 1 GiB upload vs nginx PUT + sync of the same file, REPS times: MiB/s and CPU-seconds per GiB of each
#      (utime + stime from /proc/PID/stat of the nginx processes and of the service's JVM), the ratios (targets:
#      CPU <= 2.0x nginx, MiB/s >= 0.85x nginx) and the service's VmRSS growth (peak during - before; <= 64 MiB);
#   2. 4 concurrent 256 MiB uploads vs 4 concurrent nginx PUTs + sync: wall, aggregate MiB/s, CPU-s/GiB, ratios;
#   3. the 256 MiB file as a resumable (tus 1.0) upload in 8 MiB and in 64 MiB PATCH requests vs the single request;
#   4. VmRSS growth during one upload each of 100 MiB, 1 GiB and 4000 MiB (RSS must not grow with the file).
# The service fsyncs every upload before its 201; the nginx PUT is timed up to the end of a `sync` after it.
# Runs in which other users' processes took more than BENCH_MAX_OTHERS CPU-s are shown, not counted, and repeated
# (at most 2 x REPS runs). Uploaded inputs are deleted afterwards.
# With STORAGE_KIND=s3 the service keeps inputs in an S3 bucket (S3Proxy, started here) and is compared with a PUT
# straight to that server instead (bench/upload-s3.sh).
# Usage: bench/upload.sh (env: REPS=5, WARMUP_GIB=2, NGINX_PORT=BENCH_PORT+2, RSS_SIZES="100 1024 4000",
#   STORAGE_KIND=filesystem|s3, S3_PORT=BENCH_PORT+3, BENCH_S3_DIR=/tmp/bench-s3, see bench/lib.sh)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
REPS=${REPS:-5}
CONCURRENT=4
NGINX_PORT=${NGINX_PORT:-$((PORT + 2))}
RSS_SIZES=${RSS_SIZES:-100 1024 4000}
[[ $NGINX_PORT != 8080 ]] || die "refusing port 8080"
HZ=$(getconf CLK_TCK)

# loop_clip TARGET_BYTES OUT: loops a 1 s lossless 1080p clip (~80 MB) and cuts it at about TARGET_BYTES
loop_clip() {
    local clip="$MEDIA/clip-1080p-1s-lossless.mp4" size secs
    if [[ ! -s $clip ]]; then
        mkdir -p "$MEDIA"
        log "generating $clip"
        ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1920x1080:rate=25" \
            -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 1 -vf "noise=alls=60:allf=t+u" \
            -c:v libx264 -preset ultrafast -qp 0 -g 25 -pix_fmt yuv420p -c:a aac -b:a 128k "$clip.tmp.mp4"
        mv "$clip.tmp.mp4" "$clip"
    fi
    if [[ ! -s $2 ]]; then
        size=$(stat -c %s "$clip")
        secs=$(awk -v t="$1" -v s="$size" 'BEGIN { printf "%.2f", t / s }')
        log "generating $2 ($secs s of $clip looped)"
        ffmpeg -hide_banner -loglevel error -y -stream_loop -1 -i "$clip" -t "$secs" -c copy -movflags +faststart \
            "$2.tmp.mp4"
        mv "$2.tmp.mp4" "$2"
    fi
}

# media_mib MIB: prints the path of the cached ~MIB MiB upload file (made once)
media_mib() {
    local f
    case $1 in
        1024) f="$MEDIA/upload-1GiB.mp4" ;;
        256) f="$MEDIA/upload-256MiB.mp4" ;;
        *) f="$MEDIA/upload-${1}MiB.mp4" ;;
    esac
    loop_clip $(($1 * 1024 * 1024)) "$f"
    echo "$f"
}

BIG=$(media_mib 1024)
MID=$(media_mib 256)
BIG_BYTES=$(stat -c %s "$BIG")
MID_BYTES=$(stat -c %s "$MID")

# cpu_ticks PID...: utime + stime of the processes (every thread), in clock ticks
cpu_ticks() {
    local pid line total=0 f
    for pid in "$@"; do
        { read -r line <"/proc/$pid/stat"; } 2>/dev/null || continue
        f=(${line##*) })
        total=$((total + f[11] + f[12]))
    done
    echo "$total"
}
# cpu_per_gib TICKS BYTES: CPU seconds per GiB
cpu_per_gib() { awk -v t="$1" -v b="$2" -v hz="$HZ" 'BEGIN { printf "%.2f", (t / hz) / (b / 1073741824) }'; }

# tus_upload FILE CHUNK_BYTES: a resumable upload (tus 1.0) PATCHed in chunks of CHUNK_BYTES; prints "input_id ns"
tus_upload() {
    local file=$1 chunk=$2 size loc offset=0 t0 t1 headers="" n
    size=$(stat -c %s "$file")
    t0=$(now_ns)
    headers=$(curl -sS -K "$AUTH" -D - -o "$WORK/tus.json" -X POST "$BASE/files/" -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $size" \
        -H "Upload-Metadata: filename $(printf %s "$(basename "$file")" | base64 -w0)" | tr -d '\r')
    loc=$(awk 'tolower($1) == "location:" { print $2 }' <<<"$headers")
    [[ -n $loc ]] || die "tus creation failed: $(head -1 <<<"$headers") $(cat "$WORK/tus.json")"
    while ((offset < size)); do
        n=$((size - offset < chunk ? size - offset : chunk))
        # tail seeks; curl sends the chunk with its Content-Length
        headers=$(tail -c +$((offset + 1)) "$file" | head -c "$n" | curl -sS -K "$AUTH" -D - -o /dev/null -X PATCH "$loc" \
            -H 'Expect:' -H 'Tus-Resumable: 1.0.0' -H 'Content-Type: application/offset+octet-stream' \
            -H "Upload-Offset: $offset" --data-binary @- | tr -d '\r')
        offset=$(awk 'tolower($1) == "upload-offset:" { print $2 }' <<<"$headers")
        [[ -n $offset ]] || die "PATCH failed: $headers"
    done
    t1=$(now_ns)
    echo "$(awk 'tolower($1) == "upload-input-content-id:" { print $2 }' <<<"$headers") $((t1 - t0))"
}

# STORAGE_KIND=s3: the same upload against a service that keeps inputs in an S3 bucket, vs a PUT straight to it
if [[ ${STORAGE_KIND:-filesystem} == s3 ]]; then
    source "$(dirname "$0")/upload-s3.sh"
    exit 0
fi

# nginx with the WebDAV module (Debian's nginx-light has it); the package's own service is not started here
# (policy-rc.d), this script runs its own instance.
if ! command -v nginx >/dev/null || ! nginx -V 2>&1 | grep -q http_dav_module; then
    log "installing nginx-light for the WebDAV PUT baseline"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >/dev/null; } ||
        die "could not install nginx-light"
fi
nginx -V 2>&1 | grep -q http_dav_module || die "this nginx has no http_dav_module"

start_service
[[ -n $STORAGE && -d $STORAGE ]] || die "set VODPACK_STORAGE to the service's storage root (nginx writes there)"
[[ -n $SVC_PID ]] || die "this script reads the service's CPU time from /proc: run it without VODPACK_URL"

# nginx: one worker, WebDAV PUT into a folder on the service's disk, its body temp files beside it (so that the
# final rename stays on one file system, as the service's does), otherwise default settings.
NGX="$STORAGE/bench-nginx"
mkdir -p "$NGX/put" "$NGX/client_body" "$NGX/logs"
cat >"$NGX/nginx.conf" <<CONF
user root root;
worker_processes 1;
pid $NGX/nginx.pid;
error_log $NGX/logs/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_max_body_size 0;
    client_body_temp_path $NGX/client_body;
    proxy_temp_path $NGX/proxy;
    fastcgi_temp_path $NGX/fastcgi;
    uwsgi_temp_path $NGX/uwsgi;
    scgi_temp_path $NGX/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $NGX/put;
        location / { dav_methods PUT DELETE; create_full_put_path on; }
    }
}
CONF
nginx -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/logs/error.log" -g 'daemon off;' &
NGINX_PID=$!
NGINX="http://127.0.0.1:$NGINX_PORT"
for ((i = 0; i < 50; i++)); do curl -fsS -o /dev/null "$NGINX/" 2>/dev/null && break; sleep 0.1; done

# nginx_pids: the nginx master and its workers
nginx_pids() { echo "$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"; }

# nginx_put_sync N FILE: N parallel PUTs of FILE to nginx, then sync; prints "NS TICKS SYNC_TICKS" (wall time from
# the first request to the end of the sync, CPU ticks of the nginx processes meanwhile, CPU ticks of the sync: the
# flush the service does itself, in its own threads, with fsync before each 201)
nginx_put_sync() {
    local n=$1 src=$2 t0 t1 c0 c1 i code pids=() sync_cpu TIMEFORMAT='%U %S'
    sync
    c0=$(cpu_ticks $(nginx_pids))
    t0=$(now_ns)
    for ((i = 0; i < n; i++)); do
        curl -sS -o /dev/null -w '%{http_code}\n' -T "$src" -H 'Expect:' "$NGINX/put-$i.mp4" >"$WORK/nginx.$i" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || die "a PUT to nginx failed"; done
    c1=$(cpu_ticks $(nginx_pids))
    sync_cpu=$({ time sync; } 2>&1)
    t1=$(now_ns)
    for ((i = 0; i < n; i++)); do
        code=$(cat "$WORK/nginx.$i")
        [[ $code == 201 || $code == 204 ]] || die "nginx answered $code to a PUT: $(tail -3 "$NGX/logs/error.log")"
        cmp -s <(stat -c %s "$NGX/put/put-$i.mp4") <(stat -c %s "$src") || die "nginx stored a short file"
    done
    rm -f "$NGX"/put/put-*.mp4
    sync
    echo "$((t1 - t0)) $((c1 - c0)) $(awk -v u="${sync_cpu% *}" -v s="${sync_cpu#* }" -v hz="$HZ" 'BEGIN { printf "%d", (u + s) * hz + 0.5 }')"
}

# Warm-up (JIT, connection pools): WARMUP_GIB (2) uploads of the 1 GiB file and one nginx PUT, not counted. The JIT
# still compiles the upload path during the first GiB or two (C2 took ~0.4 CPU-s per GiB in the third); how fast a
# fresh start gets there is bench/startup.sh's concern, this script measures the steady state.
for ((i = 0; i < ${WARMUP_GIB:-2}; i++)); do
    log "warm-up upload $((i + 1))"
    res=$(upload "$BIG")
    delete_input "${res%% *}"
done
nginx_put_sync 1 "$MID" >/dev/null
sync

echo
echo "== Single upload of $(kib_to_mib $((BIG_BYTES / 1024))) MiB ($BIG_BYTES bytes), $REPS clean runs"
printf '%-6s %10s %10s %7s %9s %8s %8s %9s %9s %10s %9s %9s %9s %8s\n' run nginx_MiB/s svc_MiB/s ratio nginx_cpu \
    sync_cpu svc_cpu cpu_ratio cpu_ratio+s rss_before rss_peak rss_after rss_growth others_s
up_rates=() ngx_rates=() ratios=() ngx_cpus=() sync_cpus=() svc_cpus=() cpu_ratios=() cpu_ratios_s=() growths=()
for ((attempt = 1; ${#ratios[@]} < REPS && attempt <= 2 * REPS; attempt++)); do
    wait_quiet
    others_start
    read -r ngx_ns ngx_ticks sync_ticks < <(nginx_put_sync 1 "$BIG")

    sync
    rss_before=$(rss_kib "$SVC_PID")
    rss_sampler_start
    c0=$(cpu_ticks "$SVC_PID")
    res=$(upload "$BIG")
    c1=$(cpu_ticks "$SVC_PID")
    id=${res%% *} up_ns=${res##* }
    sleep 1
    rss_sampler_stop
    rss_peak=$RSS_PEAK
    rss_after=$(rss_kib "$SVC_PID")
    others_stop
    delete_input "$id"
    sync

    up=$(mibps "$BIG_BYTES" "$up_ns") ngx=$(mibps "$BIG_BYTES" "$ngx_ns")
    ngx_cpu=$(cpu_per_gib "$ngx_ticks" "$BIG_BYTES") sync_cpu=$(cpu_per_gib "$sync_ticks" "$BIG_BYTES")
    svc_cpu=$(cpu_per_gib $((c1 - c0)) "$BIG_BYTES")
    rt=$(ratio "$up" "$ngx") crt=$(ratio "$svc_cpu" "$ngx_cpu") growth=$(kib_to_mib $((rss_peak - rss_before)))
    crts=$(ratio "$svc_cpu" "$(awk -v a="$ngx_cpu" -v b="$sync_cpu" 'BEGIN { print a + b }')")
    note=""
    if is_clean; then
        up_rates+=("$up") ngx_rates+=("$ngx") ratios+=("$rt") ngx_cpus+=("$ngx_cpu") sync_cpus+=("$sync_cpu")
        svc_cpus+=("$svc_cpu") cpu_ratios+=("$crt") cpu_ratios_s+=("$crts") growths+=("$growth")
    else
        note="  (skewed by other processes: not counted)"
    fi
    printf '%-6s %10s %10s %7s %9s %8s %8s %9s %9s %10s %9s %9s %9s %8s%s\n' "$attempt" "$ngx" "$up" "$rt" "$ngx_cpu" \
        "$sync_cpu" "$svc_cpu" "$crt" "$crts" "$(kib_to_mib "$rss_before")" "$(kib_to_mib "$rss_peak")" \
        "$(kib_to_mib "$rss_after")" "$growth" "$OTHERS_CPU" "$note"
done
((${#ratios[@]} > 0)) || die "no clean run: other processes kept the machine busy"
printf '%-6s %10s %10s %7s %9s %8s %8s %9s %9s %10s %9s %9s %9s\n' median "$(median "${ngx_rates[@]}")" \
    "$(median "${up_rates[@]}")" "$(median "${ratios[@]}")" "$(median "${ngx_cpus[@]}")" "$(median "${sync_cpus[@]}")" \
    "$(median "${svc_cpus[@]}")" "$(median "${cpu_ratios[@]}")" "$(median "${cpu_ratios_s[@]}")" "" "" "" \
    "$(median "${growths[@]}")"
echo "(medians of the ${#ratios[@]} clean runs; *_cpu: CPU-s per GiB of the nginx processes, of the sync after the PUT,"
echo " of the service's JVM; cpu_ratio: service / nginx, cpu_ratio+s: service / (nginx + sync); rss in MiB of VmRSS;"
echo " others_s: CPU seconds other users' processes took during the run)"
echo "targets: MiB/s >= 0.85x nginx -> $(median "${ratios[@]}"); CPU-s/GiB <= 2.0x nginx -> $(median "${cpu_ratios[@]}")\
 ($(median "${cpu_ratios_s[@]}") with the sync); RSS growth <= 64 MiB -> max $(printf '%s\n' "${growths[@]}" | sort -g | tail -1) MiB"

echo
echo "== $CONCURRENT concurrent uploads of $(kib_to_mib $((MID_BYTES / 1024))) MiB ($MID_BYTES bytes each)"
total=$((CONCURRENT * MID_BYTES))
printf '%-6s %10s %10s %9s %9s %9s %9s %10s %8s\n' run nginx_wall svc_wall nginx_MiB/s svc_MiB/s ratio nginx_cpu svc_cpu \
    cpu_ratio
c_ratios=() c_cpu_ratios=() c_runs=0
for ((attempt = 1; c_runs < 3 && attempt <= 6; attempt++)); do
    wait_quiet
    others_start
    read -r ngx_ns ngx_ticks sync_ticks < <(nginx_put_sync "$CONCURRENT" "$MID")
    sync
    rss_before=$(rss_kib "$SVC_PID")
    rss_sampler_start
    c0=$(cpu_ticks "$SVC_PID")
    t0=$(now_ns)
    pids=()
    for ((i = 0; i < CONCURRENT; i++)); do
        upload "$MID" >"$WORK/concurrent.$i" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || die "a concurrent upload failed"; done
    t1=$(now_ns)
    c1=$(cpu_ticks "$SVC_PID")
    up_ns=$((t1 - t0))
    rss_sampler_stop
    others_stop
    for ((i = 0; i < CONCURRENT; i++)); do
        read -r id ns <"$WORK/concurrent.$i"
        delete_input "$id"
    done
    sync
    ngx=$(mibps "$total" "$ngx_ns") up=$(mibps "$total" "$up_ns")
    ngx_cpu=$(cpu_per_gib "$ngx_ticks" "$total") svc_cpu=$(cpu_per_gib $((c1 - c0)) "$total")
    sync_cpu=$(cpu_per_gib "$sync_ticks" "$total")
    rt=$(ratio "$up" "$ngx") crt=$(ratio "$svc_cpu" "$ngx_cpu")
    note=""
    if is_clean; then
        c_ratios+=("$rt") c_cpu_ratios+=("$crt") c_runs=$((c_runs + 1))
    else
        note="  (skewed by other processes: not counted)"
    fi
    printf '%-6s %10s %10s %9s %9s %9s %9s %10s %8s  sync_cpu %s, rss growth %s MiB, others_s %s%s\n' "$attempt" \
        "$(secs "$ngx_ns")" "$(secs "$up_ns")" "$ngx" "$up" "$rt" "$ngx_cpu" "$svc_cpu" "$crt" "$sync_cpu" \
        "$(kib_to_mib $((RSS_PEAK - rss_before)))" "$OTHERS_CPU" "$note"
done
((c_runs > 0)) || die "no clean concurrent run: other processes kept the machine busy"
echo "targets: aggregate MiB/s >= 0.85x nginx -> median $(median "${c_ratios[@]}"); CPU-s/GiB <= 2.0x nginx -> median\
 $(median "${c_cpu_ratios[@]}")"
echo
echo "== Service VmRSS during one upload each of ${RSS_SIZES// / MiB, } MiB"
printf '%-10s %12s %10s %10s %10s %10s %9s\n' size_MiB bytes MiB/s rss_before rss_peak rss_growth cpu_s/GiB
for mib in $RSS_SIZES; do
    f=$(media_mib "$mib")
    bytes=$(stat -c %s "$f")
    sync
    rss_before=$(rss_kib "$SVC_PID")
    rss_sampler_start
    c0=$(cpu_ticks "$SVC_PID")
    res=$(upload "$f")
    c1=$(cpu_ticks "$SVC_PID")
    sleep 1
    rss_sampler_stop
    delete_input "${res%% *}"
    sync
    printf '%-10s %12s %10s %10s %10s %10s %9s\n' "$mib" "$bytes" "$(mibps "$bytes" "${res##* }")" \
        "$(kib_to_mib "$rss_before")" "$(kib_to_mib "$RSS_PEAK")" "$(kib_to_mib $((RSS_PEAK - rss_before)))" \
        "$(cpu_per_gib $((c1 - c0)) "$bytes")"
done
echo "(the machine's load is not checked here: RSS does not depend on it)"

echo
echo "== Resumable (tus) upload of $(kib_to_mib $((MID_BYTES / 1024))) MiB vs the single-request upload, same run"
printf '%-34s %10s %12s %8s\n' "" wall_s MiB/s ratio
for ((attempt = 1; attempt <= 3; attempt++)); do
    wait_quiet
    others_start
    res=$(upload "$MID"); single_id=${res%% *} single_ns=${res##* }
    res=$(tus_upload "$MID" $((8 * 1024 * 1024))); tus8_id=${res%% *} tus8_ns=${res##* }
    res=$(tus_upload "$MID" $((64 * 1024 * 1024))); tus64_id=${res%% *} tus64_ns=${res##* }
    others_stop
    for id in "$single_id" "$tus8_id" "$tus64_id"; do delete_input "$id"; done
    sync
    is_clean && break
    log "other processes took $OTHERS_CPU CPU-s meanwhile: repeating"
done
single=$(mibps "$MID_BYTES" "$single_ns")
printf '%-34s %10s %12s %8s\n' "single request (POST)" "$(secs "$single_ns")" "$single" 1.00
for c in 8 64; do
    var=tus${c}_ns
    rate=$(mibps "$MID_BYTES" "${!var}")
    printf '%-34s %10s %12s %8s\n' "tus, $c MiB PATCH requests" "$(secs "${!var}")" "$rate" "$(ratio "$rate" "$single")"
done
echo "(the tus runs include the creation request and one curl process per PATCH; ratio vs the single request)"
