#!/usr/bin/env bash
# bench/startup.sh: how long the service takes from `java -jar` to ready, what start-up spends it on, idle RSS.
#
# Starts the built jar (a copy of target/quarkus-app, see bench/lib.sh) REPS times against one schema: the first start
# migrates an empty schema (Flyway applies every migration), the later ones find it migrated, as a restart or a new
# replica does. Each start is timed from the launch of `java` to the first 200 of /q/health/ready on the management
# port (polled every 20 ms); Quarkus' own "started in" figure is read from its log. Once ready, the service idles for
# IDLE_S seconds (the sweepers run their first passes meanwhile) and its VmRSS is read. Then one more start runs with
# -Dquarkus.debug.print-startup-times=true to say where start-up spends its time: the JVM until the first log line,
# the slowest start-up steps Quarkus reports (Flyway, Hibernate, ...), the StartupEvent observers (engine version probe,
# signing keys, admin key, ...) and the time from "started" to ready.
# Prints each start, the medians and spread, and the ratio of the median ready time to the target (3 s).
# Usage: bench/startup.sh   (env: REPS=5, IDLE_S=10, JAVA_OPTS, see bench/lib.sh)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
REPS=${REPS:-5}
IDLE_S=${IDLE_S:-10}
TARGET_S=3

[[ -z ${VODPACK_URL:-} ]] || die "startup.sh starts the service itself (unset VODPACK_URL)"
prepare_service

# start_once LOG [JVM OPTIONS...]: starts the service with its output in LOG and waits for ready (sets READY_MS)
start_once() {
    SERVICE_LOG=$1
    shift
    launch_service "$@" 2>/dev/null
    wait_ready 2>/dev/null
}

# log_ms LOG PATTERN: milliseconds since the launch of the first log line matching PATTERN (empty when none)
log_ms() {
    local line
    line=$(grep -m1 -E "$2" "$1" | grep -oE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8},[0-9]{3}') || return 0
    awk -v t="$(date -d "${line%,*}" +%s)" -v ms="${line#*,}" -v l="$LAUNCH_NS" 'BEGIN { printf "%d", t * 1000 + ms - l / 1e6 }'
}

echo "== Start-up: $REPS starts of $(basename "$APP_SRC")/quarkus-run.jar, java $(java -version 2>&1 | head -1 | cut -d'"' -f2)${JAVA_OPTS:+, JAVA_OPTS=$JAVA_OPTS}; start 1 migrates an empty schema"
printf '%-5s %-9s %9s %11s %11s %9s %9s\n' start schema ready_ms started_ms first_log rss_mib others_s
ready=() started=() rss=()
for ((run = 1; run <= REPS; run++)); do
    wait_quiet
    others_start
    start_once "$WORK/start.$run.log"
    others_stop
    started_s=$(grep -m1 -oE 'started in [0-9.]+s' "$WORK/start.$run.log" | grep -oE '[0-9.]+' || echo 0)
    first=$(log_ms "$WORK/start.$run.log" '^[0-9]{4}-')
    sleep "$IDLE_S"
    r=$(kib_to_mib "$(rss_kib "$SVC_PID")")
    stop_service
    kind=migrated
    ((run == 1)) && kind=empty
    note=""
    if ! is_clean; then note="  (skewed by other processes: not counted)"
    elif ((run > 1)); then ready+=("$READY_MS") started+=("$(awk -v s="$started_s" 'BEGIN { printf "%d", s * 1000 }')") rss+=("$r"); fi
    printf '%-5s %-9s %9s %11s %11s %9s %9s%s\n' "$run" "$kind" "$READY_MS" "$(awk -v s="$started_s" 'BEGIN { printf "%d", s * 1000 }')" \
        "$first" "$r" "$OTHERS_CPU" "$note"
done
if ((${#ready[@]} > 0)); then
    m=$(median "${ready[@]}")
    printf 'median of %d clean restarts (migrated schema): ready %s ms (spread %s-%s), Quarkus "started in" %s ms, idle RSS %s MiB (spread %s-%s)\n' \
        "${#ready[@]}" "$m" "$(printf '%s\n' "${ready[@]}" | sort -g | head -1)" "$(printf '%s\n' "${ready[@]}" | sort -g | tail -1)" \
        "$(median "${started[@]}")" "$(median "${rss[@]}")" "$(printf '%s\n' "${rss[@]}" | sort -g | head -1)" \
        "$(printf '%s\n' "${rss[@]}" | sort -g | tail -1)"
    echo "ratio ready / target ($TARGET_S s): $(ratio "$m" $((TARGET_S * 1000)))  (target <= 1.00); idle RSS target <= 200 MiB"
else
    echo "no clean restart: other processes kept the machine busy"
fi

echo
echo "== Where start-up spends its time (one more start with -Dquarkus.debug.print-startup-times=true)"
wait_quiet
start_once "$WORK/diag.log" -Dquarkus.debug.print-startup-times=true
sleep 2
stop_service
D="$WORK/diag.log"
printf '%-58s %8s\n' "launch -> first log line (JVM, class loading, static init)" "$(log_ms "$D" '^[0-9]{4}-')"
for step in 'Flyway|flyway' 'Database: jdbc' 'Successfully validated|is up to date|Successfully applied' \
    'Packaging engine' 'Generated the first admin API key|admin API key' 'started in'; do
    t=$(log_ms "$D" "$step")
    [[ -n $t ]] && printf '%-58s %8s\n' "launch -> log '${step%%|*}'" "$t"
done
printf '%-58s %8s\n' "launch -> ready (/q/health/ready 200)" "$READY_MS"
echo "slowest start-up steps Quarkus timed (ms):"
grep -E 'completed in|took' "$D" | sed -E 's/.*(Build step|Runtime step|step) //' |
    awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+ms$/ || $(i) ~ /^[0-9]+$/ && $(i+1) == "ms") { v = $i; sub(/ms/, "", v); print v, $0; break } }' |
    sort -rn | head -12 | cut -d' ' -f2- | sed 's/^/  /'
