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
# With BASELINE_APP (another quarkus-app folder, e.g. a build of main) both builds start in turn and the ratios of their
# medians are printed: on a shared machine the ratio is the figure to trust. BASELINE_JAVA runs the baseline on another
# JVM (e.g. a Java 17 build of main against this Java 25 build); each build uses the start-up archive it carries.
# Usage: bench/startup.sh   (env: REPS=5, IDLE_S=10, BASELINE_APP, BASELINE_JAVA, JAVA_OPTS, BENCH_JAVA, see bench/lib.sh)
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
    launch_service "$@"
    wait_ready
}

# log_ms LOG PATTERN: milliseconds since the launch of the first log line matching PATTERN (empty when none)
log_ms() {
    local line
    line=$(grep -m1 -E "$2" "$1" | grep -oE '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8},[0-9]{3}') || return 0
    awk -v t="$(date -d "${line%,*}" +%s)" -v ms="${line#*,}" -v l="$LAUNCH_NS" 'BEGIN { printf "%d", t * 1000 + ms - l / 1e6 }'
}

# cpu_s PID: CPU seconds (user + system) the process has used
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); split($0, f, " "); printf "%.2f", (f[12] + f[13]) / hz }' "/proc/$1/stat"; }

VARIANTS=(app)
declare -A SCHEMAS=([app]=$SCHEMA)
declare -A JAVAS=([app]=$JAVA_BIN [base]=${BASELINE_JAVA:-$JAVA_BIN})
if [[ -n ${BASELINE_APP:-} ]]; then
    cp -a "$BASELINE_APP" "$WORK/base"
    VARIANTS=(base app)
    # A schema of its own: each build migrates to its own version.
    SCHEMAS[base]=${SCHEMA}_base
    psql_bench "DROP SCHEMA IF EXISTS ${SCHEMAS[base]} CASCADE"
    trap 'status=$?; psql_bench "DROP SCHEMA IF EXISTS ${SCHEMAS[base]} CASCADE" || true; (exit $status); stop_all' EXIT
fi
echo "== Start-up: $REPS starts$([[ -n ${BASELINE_APP:-} ]] && echo " of each build, alternating (base = $BASELINE_APP, java $(java_version "${JAVAS[base]}") $(start_archive_opts "$WORK/base" "${JAVAS[base]}"))") of" \
    "$APP_SRC, java $(java_version) $(start_archive_opts "$WORK/app")${JAVA_OPTS:+, JAVA_OPTS=$JAVA_OPTS}; start 1 of each migrates an empty schema"
echo "   ready_ms: launch to /q/health/ready 200; cpu_s: CPU the JVM used until then; rss_mib: VmRSS after $IDLE_S s idle"
printf '%-5s %-5s %-9s %9s %7s %11s %11s %9s %9s\n' start build schema ready_ms cpu_s started_ms first_log rss_mib others_s
declare -A READY CPU RSS
for ((run = 1; run <= REPS; run++)); do
    for v in "${VARIANTS[@]}"; do
        wait_quiet
        others_start
        SVC_JAVA=${JAVAS[$v]} SCHEMA=${SCHEMAS[$v]} APP_DIR=$WORK/$v start_once "$WORK/start.$v.$run.log"
        c=$(cpu_s "$SVC_PID")
        others_stop
        # Quarkus may log "started in" just after the port answers
        started=$(grep -m1 -oE 'started in [0-9.]+s' "$SERVICE_LOG" | grep -oE '[0-9.]+' | awk '{ printf "%d", $1 * 1000 }' || true)
        first=$(log_ms "$SERVICE_LOG" '^[0-9]{4}-')
        sleep "$IDLE_S"
        r=$(kib_to_mib "$(rss_kib "$SVC_PID")")
        stop_service
        kind=migrated
        ((run > 1)) || kind=empty
        note=""
        if ! is_clean; then note="  (skewed by other processes: not counted)"
        elif [[ $kind == migrated ]]; then READY[$v]+="$READY_MS " CPU[$v]+="$c " RSS[$v]+="$r "; fi
        printf '%-5s %-5s %-9s %9s %7s %11s %11s %9s %9s%s\n' "$run" "$v" "$kind" "$READY_MS" "$c" "${started:-?}" "${first:-?}" "$r" \
            "$OTHERS_CPU" "$note"
    done
done
# spread VALUES: "median [min-max]"
spread() { echo "$(median $1) [$(printf '%s\n' $1 | sort -g | head -1)-$(printf '%s\n' $1 | sort -g | tail -1)]"; }
for v in "${VARIANTS[@]}"; do
    [[ -n ${READY[$v]:-} ]] || { echo "$v: no clean restart (other processes kept the machine busy)"; continue; }
    echo "$v: clean restarts on a migrated schema: ready $(spread "${READY[$v]}") ms, CPU $(spread "${CPU[$v]}") s," \
        "idle RSS $(spread "${RSS[$v]}") MiB; ready / target ($TARGET_S s): $(ratio "$(median ${READY[$v]})" $((TARGET_S * 1000)))"
done
if [[ -n ${BASELINE_APP:-} && -n ${READY[base]:-} && -n ${READY[app]:-} ]]; then
    echo "ratio app / base: ready $(ratio "$(median ${READY[app]})" "$(median ${READY[base]})"), CPU to ready" \
        "$(ratio "$(median ${CPU[app]})" "$(median ${CPU[base]})"), idle RSS $(ratio "$(median ${RSS[app]})" "$(median ${RSS[base]})")"
fi
echo "(targets: ready <= $TARGET_S s, idle RSS <= 200 MiB)"

echo
echo "== Where start-up spends its time (one more start with -Dquarkus.debug.print-startup-times=true)"
wait_quiet
APP_DIR=$WORK/app start_once "$WORK/diag.log" -Dquarkus.debug.print-startup-times=true
sleep 2
stop_service
D="$WORK/diag.log"
printf '%-58s %8s\n' "launch -> first log line (JVM, class loading, static init)" "$(log_ms "$D" '^[0-9]{4}-')"
for step in 'Database: jdbc|Flyway: connected' 'Successfully validated|is up to date|Successfully applied|Flyway: schema ready' \
    'Packaging with engine|Startup observers: first' 'Admin API key|Generated the first admin|Startup observers: API key' \
    'started in|Quarkus: started' 'Packaging engine .[a-z0-9]+.:|Engine version read'; do
    t=$(log_ms "$D" "${step%|*}")
    [[ -n $t ]] && printf '%-58s %8s\n' "launch -> ${step##*|} (log: '${step%%|*}')" "$t"
done
printf '%-58s %8s\n' "launch -> ready (/q/health/ready 200)" "$READY_MS"
echo "slowest start-up steps Quarkus timed (ms):"
grep -E '(Build|Runtime) step .* completed in: [0-9]+ms' "$D" | sed -E 's/.*(Build|Runtime) step //' |
    awk '{ v = $NF; sub(/ms$/, "", v); print v, $0 }' | sort -rn | head -12 | cut -d' ' -f2- | sed 's/^/  /'
