#!/usr/bin/env bash
# bench/upload-profile.sh: where the service's CPU goes during a 1 GiB upload (the file of bench/upload.sh).
#
# Starts the service (bench/lib.sh), warms it up with three 1 GiB uploads (the JIT compiles the upload path), then
# around one more 1 GiB upload prints the CPU-seconds per GiB of each group of the JVM's threads (from
# /proc/PID/task/*/stat) and, when perf is installed, the top symbols of a perf profile of the JVM (JIT-compiled
# frames named through `jcmd PID Compiler.perfmap`). Usage: bench/upload-profile.sh (env: PERF=0 to skip perf)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
BIG="$MEDIA/upload-1GiB.mp4"
[[ -s $BIG ]] || die "run bench/upload.sh once first (it makes $BIG)"
BYTES=$(stat -c %s "$BIG")
HZ=$(getconf CLK_TCK)

# thread_ticks PID: "ticks<TAB>group" per thread-name group (numbers at the end of names dropped)
thread_ticks() {
    local t n l f
    for t in /proc/"$1"/task/*; do
        n=$(cat "$t/comm" 2>/dev/null) || continue
        l=$(cat "$t/stat" 2>/dev/null) || continue
        f=(${l##*) })
        printf '%s\t%s\n' "$(sed -E 's/[-#]?[0-9]+$//' <<<"$n")" "$((f[11] + f[12]))"
    done | awk -F'\t' '{ a[$1] += $2 } END { for (k in a) printf "%d\t%s\n", a[k], k }'
}

start_service
[[ -n $SVC_PID ]] || die "this script profiles its own instance: run it without VODPACK_URL"
for i in 1 2 3; do
    res=$(upload "$BIG")
    delete_input "${res%% *}"
done
sync
thread_ticks "$SVC_PID" >"$WORK/threads.before"
if [[ ${PERF:-1} == 1 ]] && command -v perf >/dev/null; then
    perf record -q -F 499 -g -p "$SVC_PID" -o "$WORK/perf.data" 2>/dev/null &
    PERF_PID=$!
    sleep 1
fi
res=$(upload "$BIG")
if [[ -n ${PERF_PID:-} ]]; then
    jcmd "$SVC_PID" Compiler.perfmap >/dev/null
    kill -INT "$PERF_PID"
    wait "$PERF_PID" || true
fi
thread_ticks "$SVC_PID" >"$WORK/threads.after"
delete_input "${res%% *}"
echo "== One 1 GiB upload after three: $(mibps "$BYTES" "${res##* }") MiB/s; CPU-s per GiB by thread group"
awk -F'\t' -v hz="$HZ" -v gib="$(awk -v b="$BYTES" 'BEGIN { print b / 1073741824 }')" '
    FNR == NR { before[$2] = $1; next }
    { d = ($1 - before[$2]) / hz / gib; total += d; if (d >= 0.01) printf "%8.2f  %s\n", d, $2 }
    END { printf "%8.2f  total\n", total }' "$WORK/threads.before" "$WORK/threads.after" | sort -rn
if [[ -n ${PERF_PID:-} ]]; then
    echo
    echo "== perf: top symbols (self), all threads of the JVM"
    perf report -i "$WORK/perf.data" --no-children --sort comm,sym --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -40
fi
