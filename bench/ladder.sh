#!/usr/bin/env bash
# bench/ladder.sh: the default ladder through the API vs the same work done by hand in one process.
#
# Source: the 2-minute 1080p ~8 Mbit/s H.264 + AAC MP4 of bench/lib.sh (made once, cached in $BENCH_MEDIA).
# In one run, on one machine:
#   baseline: ONE ffmpeg process decodes the source once and makes the five video rungs of the default ladder
#             (-filter_complex split) and the audio with the encoder settings the service uses (Ffmpeg.java), then
#             ONE Shaka Packager run packages them (six stream descriptors, one key);
#   API:      POST /packaged_content {"ladder": "default"} until GET /packaged_content/{id}?wait=30 answers 200
#             (one ffmpeg per rendition, vodpack.packaging.concurrency = number of cores at once, then the packager).
# Prints wall time and CPU-seconds of each (baseline: the ffmpeg and packager processes; API: the service process
# and every process it started, from /proc/<pid>/stat utime+stime+cutime+cstime) and the ratios API/baseline.
# Target: API wall time <= 1.25 x the baseline on 2 cores.
# Usage: bench/ladder.sh   (env: PRESET=medium, the x264 preset of both sides; BENCH_WAIT_MAX=600, the most seconds
# the API job may take; see bench/lib.sh for the rest)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PRESET=${PRESET:-medium}
# name height kbit/s: the default ladder (Ladder.DEFAULT)
RUNGS=("1080p 1080 5000" "720p 720 3000" "540p 540 1800" "360p 360 800" "234p 234 400")

SRC=$(media_1080p_2min)
export VODPACK_PACKAGING_TRANSCODE_PRESET=$PRESET
start_service
res=$(upload "$SRC")
INPUT=${res%% *}
log "input $INPUT: $SRC, x264 preset $PRESET"

# cpu_ticks PID: user + system time of PID and of its reaped children, in clock ticks
cpu_ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
cpu_secs() { awk -v t="$1" -v hz="$HZ" 'BEGIN { printf "%.1f", t / hz }'; }

# baseline OUT: one ffmpeg (one decode, split into every rung, plus the audio), then one packager run
baseline() {
    local out=$1 graph="" maps=() i=0 name height rate
    rm -rf "$out" && mkdir -p "$out/work"
    graph="[0:v]split=${#RUNGS[@]}"
    for ((i = 0; i < ${#RUNGS[@]}; i++)); do graph+="[s$i]"; done
    for ((i = 0; i < ${#RUNGS[@]}; i++)); do
        read -r name height rate <<<"${RUNGS[$i]}"
        graph+=";[s$i]scale=-2:$height:flags=lanczos,setsar=1[v$i]"
        maps+=(-map "[v$i]" -c:v libx264 -preset "$PRESET" -profile:v high -pix_fmt yuv420p -b:v "${rate}k"
            -maxrate "$((rate * 107 / 100))k" -bufsize "$((rate * 2))k"
            -force_key_frames "expr:gte(t,n_forced*$SEGMENT_DURATION)" -sc_threshold 0
            -map_metadata -1 -movflags +faststart -f mp4 "$out/work/$name.mp4")
    done
    maps+=(-map 0:a:0 -c:a aac -b:a 128k -ac 2 -ar 48000 -map_metadata -1 -movflags +faststart -f mp4 "$out/work/audio.mp4")
    ffmpeg -hide_banner -nostdin -nostats -loglevel warning -y -i "$SRC" -filter_complex "$graph" "${maps[@]}" \
        >"$out/work/ffmpeg.log" 2>&1 || die "baseline ffmpeg failed: $(tail -3 "$out/work/ffmpeg.log")"
    local descriptors=()
    for ((i = 0; i < ${#RUNGS[@]}; i++)); do
        read -r name height rate <<<"${RUNGS[$i]}"
        descriptors+=("in=$out/work/$name.mp4,stream=video,init_segment=$out/video/$name/init.mp4,segment_template=$out/video/$name/seg_\$Number\$.m4s,drm_label=CK")
    done
    descriptors+=("in=$out/work/audio.mp4,stream=audio,init_segment=$out/audio/init.mp4,segment_template=$out/audio/seg_\$Number\$.m4s,drm_label=CK")
    (cd "$out/work" && "$SHAKA" "${descriptors[@]}" --protection_scheme cbcs --enable_raw_key_encryption \
        --keys "label=CK:key_id=$KID_HEX:key=$KEY_HEX" --protection_systems CommonSystem --clear_lead 0 \
        --segment_duration "$SEGMENT_DURATION" --generate_static_live_mpd --mpd_output "$out/stream.mpd" \
        >>"$out/work/engine.log" 2>&1 </dev/null) || die "baseline packager failed: $(tail -3 "$out/work/engine.log")"
    grep -c '<Representation' "$out/stream.mpd" >/dev/null || die "baseline MPD has no representations"
}

echo
echo "== Default ladder of $SRC (1080p, 2 min), x264 preset $PRESET"
wait_quiet
others_start
self0=$(awk '{ print $16 + $17 }' /proc/$$/stat)
t0=$(now_ns)
baseline "$WORK/baseline"
t1=$(now_ns)
self1=$(awk '{ print $16 + $17 }' /proc/$$/stat)
base_ns=$((t1 - t0)) base_cpu=$((self1 - self0))
reps=$(grep -c '<Representation' "$WORK/baseline/stream.mpd")
rm -rf "$WORK/baseline"

wait_quiet
[[ -n $SVC_PID ]] || die "CPU-seconds of the service need the private instance (unset VODPACK_URL)"
svc0=$(cpu_ticks "$SVC_PID")
t0=$(now_ns)
id=$(package_start "$INPUT" '"ladder":"default"')
package_wait "$id"
t1=$(now_ns)
svc1=$(cpu_ticks "$SVC_PID")
others_stop
api_ns=$((t1 - t0)) api_cpu=$((svc1 - svc0))
api_reps=$(curl -sS -K "$AUTH" "$(jq -r .url "$WORK/job.$id.json")" | grep -c '<Representation')

printf '%-10s %9s %9s %16s\n' side wall_s cpu_s representations
printf '%-10s %9s %9s %16s\n' baseline "$(secs "$base_ns")" "$(cpu_secs "$base_cpu")" "$reps"
printf '%-10s %9s %9s %16s\n' api "$(secs "$api_ns")" "$(cpu_secs "$api_cpu")" "$api_reps"
echo "API/baseline: wall $(ratio "$api_ns" "$base_ns")x (target <= 1.25), CPU $(ratio "$api_cpu" "$base_cpu")x"
echo "(others_s: $OTHERS_CPU CPU-s taken by other users' processes during both runs; the baseline's CPU is ffmpeg's and"
echo " the packager's, the API's is the service process and every process it started, JVM included)"
