#!/usr/bin/env bash
# bench/hls.sh: what writing HLS beside DASH costs. The service's packager command line (DASH + HLS in one run over
# the same segments, bench/lib.sh shaka_cli) against the same command without the HLS options, on the 2-minute 1080p
# source, alternating, REPS clean runs each: wall and CPU seconds, their ratios, and the bytes each writes (the
# playlists are the only extra files: no second copy of the media). No service is started.
# Usage: bench/hls.sh   (env: REPS=5, see bench/lib.sh)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
REPS=${REPS:-5}

SRC=$(media_1080p_2min)

# run MODE N: one packager run ("both" or "dash") into a fresh folder; prints "WALL_S CPU_S BYTES FILES"
run() {
    local out="$WORK/$1-$2" times
    rm -rf "$out"
    local TIMEFORMAT='%R %U %S'
    times=$( { time shaka_cli "$SRC" "$out" "$([[ $1 == dash ]] && echo dash)" >/dev/null; } 2>&1 ) \
        || die "packager failed: $(tail -5 "$out/work/engine.log")"
    rm -rf "$out/work"
    read -r wall user sys <<<"$times"
    echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') $(du -sb "$out" | cut -f1) $(find "$out" -type f | wc -l)"
    rm -rf "$out"
}

log "warm-up: one run of each (not counted)"
run both warm >/dev/null
run dash warm >/dev/null

echo
echo "== DASH + HLS vs DASH only, one Shaka Packager run: $SRC, $REPS clean runs"
printf '%-6s %9s %9s %9s %9s %10s %10s %9s\n' run dash_s both_s wall_x dash_cpu both_cpu cpu_x others_s
walls=() cpus=()
for ((attempt = 1; ${#walls[@]} < REPS && attempt <= 2 * REPS; attempt++)); do
    wait_quiet
    others_start
    read -r dw dc db df <<<"$(run dash "$attempt")"
    read -r bw bc bb bf <<<"$(run both "$attempt")"
    others_stop
    wx=$(awk -v a="$bw" -v b="$dw" 'BEGIN { printf "%.2f", a / b }')
    cx=$(awk -v a="$bc" -v b="$dc" 'BEGIN { printf "%.2f", a / b }')
    note=""
    if is_clean; then walls+=("$wx") cpus+=("$cx"); else note="  (skewed by other processes: not counted)"; fi
    printf '%-6s %9s %9s %9s %9s %10s %10s %9s%s\n' "$attempt" "$dw" "$bw" "$wx" "$dc" "$bc" "$cx" "$OTHERS_CPU" "$note"
done
((${#walls[@]} > 0)) || die "no clean run: other processes kept the machine busy"
echo "median wall both/dash: $(median "${walls[@]}")   median CPU both/dash: $(median "${cpus[@]}")"
echo "output: DASH only $db bytes in $df files; DASH + HLS $bb bytes in $bf files (+$((bb - db)) bytes, +$((bf - df)) files: the playlists)"
