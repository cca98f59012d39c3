#!/usr/bin/env bash
# bench/upload.sh: upload throughput and memory of POST /upload_input_content.
#
# Builds (once, cached in $BENCH_MEDIA) a ~1 GiB and a ~256 MiB valid H.264 + AAC MP4 by looping a 1 s lossless
# 1080p clip with `ffmpeg -stream_loop -c copy`, then in one run:
#   1. single 1 GiB upload (curl -T, streamed) vs `cp` + `sync` of the same file on the same disk, REPS times;
#      ratio upload/cp+sync (target >= 0.75) and the service's VmRSS growth (peak during - before) (target <= 64 MiB);
#      for reference, when socat is installed: the same file through a bare loopback TCP socket into a file on the
#      same disk (no HTTP, no hashing, no sync): the most any network receiver could do on this machine;
#   2. 4 concurrent uploads of the 256 MiB file vs 4 concurrent `cp` + `sync`: aggregate MiB/s and ratio;
#   3. the 256 MiB file as a resumable (tus 1.0) upload in 8 MiB and in 64 MiB PATCH requests vs the single request.
# Runs in which other users' processes took more than BENCH_MAX_OTHERS CPU-s are shown, not counted, and repeated
# (at most 2 x REPS runs). Uploaded inputs are deleted afterwards. Usage: bench/upload.sh (env: REPS=5, see bench/lib.sh)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
REPS=${REPS:-5}
CONCURRENT=4

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

BIG="$MEDIA/upload-1GiB.mp4"
MID="$MEDIA/upload-256MiB.mp4"
loop_clip $((1024 * 1024 * 1024)) "$BIG"
loop_clip $((256 * 1024 * 1024)) "$MID"
BIG_BYTES=$(stat -c %s "$BIG")
MID_BYTES=$(stat -c %s "$MID")

start_service
[[ -n $STORAGE && -d $STORAGE ]] || die "set VODPACK_STORAGE to the service's storage root (the cp baseline writes there)"
COPY_DIR="$STORAGE/bench-cp"   # same disk as the uploads
mkdir -p "$COPY_DIR"

# cp_sync N SRC: N parallel copies of SRC then sync; prints the wall time in ns
cp_sync() {
    local n=$1 src=$2 t0 t1 i
    sync
    t0=$(now_ns)
    for ((i = 0; i < n; i++)); do cp "$src" "$COPY_DIR/copy-$i.mp4" & done
    wait
    sync
    t1=$(now_ns)
    rm -f "$COPY_DIR"/copy-*.mp4
    sync
    echo $((t1 - t0))
}

# socat_floor SRC: one bare loopback TCP transfer of SRC into a file on the same disk; prints the wall time in ns
socat_floor() {
    local port=$((PORT + 3)) listener t0 t1 i
    sync
    socat -u -b 131072 "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" "OPEN:$COPY_DIR/socat.mp4,creat,trunc" &
    listener=$!
    for ((i = 0; i < 50; i++)); do ss -ltn "sport = :$port" | grep -q LISTEN && break; sleep 0.05; done
    t0=$(now_ns)
    socat -u -b 131072 "OPEN:$1" "TCP:127.0.0.1:$port"
    wait "$listener"
    t1=$(now_ns)
    rm -f "$COPY_DIR/socat.mp4"
    sync
    echo $((t1 - t0))
}
HAVE_SOCAT=false
command -v socat >/dev/null && HAVE_SOCAT=true

# Warm-up (JIT, connection pools): one 256 MiB upload, not counted.
log "warm-up upload"
res=$(upload "$MID")
delete_input "${res%% *}"
sync

echo
echo "== Single upload of $(kib_to_mib $((BIG_BYTES / 1024))) MiB ($BIG_BYTES bytes), $REPS clean runs"
printf '%-6s %13s %12s %8s %11s %11s %11s %11s %10s %10s %8s\n' run cp+sync_MiB/s upload_MiB/s ratio rss_before \
    rss_peak rss_after rss_growth cp_MiB/s socat_MiB/s others_s
up_rates=() cp_rates=() ratios=() growths=()
for ((attempt = 1; ${#ratios[@]} < REPS && attempt <= 2 * REPS; attempt++)); do
    wait_quiet
    others_start
    cp_ns=$(cp_sync 1 "$BIG")
    # cp without sync: only to show how much of cp+sync is the flush to disk
    sync
    t0=$(now_ns); cp "$BIG" "$COPY_DIR/nosync.mp4"; t1=$(now_ns)
    rm -f "$COPY_DIR/nosync.mp4"; sync
    cponly_ns=$((t1 - t0))
    socat="-"
    $HAVE_SOCAT && socat=$(mibps "$BIG_BYTES" "$(socat_floor "$BIG")")

    rss_before=0 rss_peak=0 rss_after=0
    [[ -n $SVC_PID ]] && { rss_before=$(rss_kib "$SVC_PID"); rss_sampler_start; }
    res=$(upload "$BIG")
    id=${res%% *} up_ns=${res##* }
    if [[ -n $SVC_PID ]]; then
        sleep 1
        rss_sampler_stop
        rss_peak=$RSS_PEAK
        rss_after=$(rss_kib "$SVC_PID")
    fi
    others_stop
    delete_input "$id"
    sync

    up=$(mibps "$BIG_BYTES" "$up_ns") cp=$(mibps "$BIG_BYTES" "$cp_ns") cponly=$(mibps "$BIG_BYTES" "$cponly_ns")
    rt=$(ratio "$up" "$cp") growth=$(kib_to_mib $((rss_peak - rss_before)))
    note=""
    if is_clean; then
        up_rates+=("$up") cp_rates+=("$cp") ratios+=("$rt") growths+=("$growth")
    else
        note="  (skewed by other processes: not counted)"
    fi
    printf '%-6s %13s %12s %8s %11s %11s %11s %11s %10s %10s %8s%s\n' "$attempt" "$cp" "$up" "$rt" \
        "$(kib_to_mib "$rss_before")" "$(kib_to_mib "$rss_peak")" "$(kib_to_mib "$rss_after")" "$growth" "$cponly" \
        "$socat" "$OTHERS_CPU" "$note"
done
((${#ratios[@]} > 0)) || die "no clean run: other processes kept the machine busy"
printf '%-6s %13s %12s %8s %11s %11s %11s %11s\n' median "$(median "${cp_rates[@]}")" "$(median "${up_rates[@]}")" \
    "$(median "${ratios[@]}")" "" "" "" "$(median "${growths[@]}")"
echo "(medians of the ${#ratios[@]} clean runs; cp_MiB/s: cp without sync; socat_MiB/s: bare loopback TCP into a file,"
echo " no sync; rss in MiB of VmRSS; others_s: CPU seconds other users' processes took during the run)"
echo "target: ratio upload/(cp+sync) >= 0.75 -> median of ratios $(median "${ratios[@]}"), ratio of medians \
$(ratio "$(median "${up_rates[@]}")" "$(median "${cp_rates[@]}")"); RSS growth <= 64 MiB -> max \
$(printf '%s\n' "${growths[@]}" | sort -g | tail -1) MiB"

echo
echo "== $CONCURRENT concurrent uploads of $(kib_to_mib $((MID_BYTES / 1024))) MiB ($MID_BYTES bytes each)"
for ((attempt = 1; attempt <= 3; attempt++)); do
    wait_quiet
    others_start
    cp4_ns=$(cp_sync "$CONCURRENT" "$MID")
    [[ -n $SVC_PID ]] && { rss_before=$(rss_kib "$SVC_PID"); rss_sampler_start; }
    t0=$(now_ns)
    pids=()
    for ((i = 0; i < CONCURRENT; i++)); do
        upload "$MID" >"$WORK/concurrent.$i" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || die "a concurrent upload failed"; done
    t1=$(now_ns)
    up4_ns=$((t1 - t0))
    others_stop
    rss_line=""
    if [[ -n $SVC_PID ]]; then
        rss_sampler_stop
        peak=$RSS_PEAK
        rss_line="rss before $(kib_to_mib "$rss_before") MiB, peak $(kib_to_mib "$peak") MiB, growth $(kib_to_mib $((peak - rss_before))) MiB"
    fi
    for ((i = 0; i < CONCURRENT; i++)); do
        read -r id ns <"$WORK/concurrent.$i"
        per[i]="upload $i: $(mibps "$MID_BYTES" "$ns") MiB/s ($(secs "$ns") s)"
        delete_input "$id"
    done
    sync
    is_clean && break
    log "other processes took $OTHERS_CPU CPU-s meanwhile: repeating"
done
printf '%s\n' "${per[@]}"
total=$((CONCURRENT * MID_BYTES))
cp4=$(mibps "$total" "$cp4_ns") up4=$(mibps "$total" "$up4_ns")
printf '%-28s %10s %12s\n' "" wall_s aggregate_MiB/s
printf '%-28s %10s %12s\n' "$CONCURRENT x cp + sync" "$(secs "$cp4_ns")" "$cp4"
printf '%-28s %10s %12s\n' "$CONCURRENT x upload (concurrent)" "$(secs "$up4_ns")" "$up4"
echo "ratio upload/(cp+sync): $(ratio "$up4" "$cp4")  $rss_line"
echo "CPU seconds taken by other users' processes meanwhile: $OTHERS_CPU (attempt $((attempt > 3 ? 3 : attempt)))"
rmdir "$COPY_DIR" 2>/dev/null || true

# tus_upload FILE CHUNK_BYTES: a resumable upload (tus 1.0) PATCHed in chunks of CHUNK_BYTES; prints "input_id ns"
tus_upload() {
    local file=$1 chunk=$2 size loc offset=0 t0 t1 headers="" n
    size=$(stat -c %s "$file")
    t0=$(now_ns)
    loc=$(curl -sS -K "$AUTH" -D - -o /dev/null -X POST "$BASE/files/" -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $size" \
        -H "Upload-Metadata: filename $(basename "$file" | base64 -w0)" | tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
    [[ -n $loc ]] || die "tus creation failed"
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
