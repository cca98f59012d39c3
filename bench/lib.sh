# bench/lib.sh: helpers shared by bench/upload.sh, bench/package.sh and bench/serve.sh (sourced, not run).
#
# Starts a private vodpack instance, isolated from other users of the machine: a copy of
# target/quarkus-app (and of the Shaka Packager binary) in a temp folder, port 18080 (management interface:
# health, metrics, on 18089), schema vodpack_bench, storage /tmp/bench-storage. With VODPACK_URL set, that running
# service is used instead (its health is asked at VODPACK_MANAGEMENT_URL, default VODPACK_URL: right for dev mode)
# (then VODPACK_STORAGE must name its storage root where a script needs the files, no RSS is read, and the
# service's own CPU counts as "others_s", the CPU time of processes other than the script and its children).
#
# Environment (all optional):
#   VODPACK_APP        quarkus-app folder to copy        (default: <repo>/target/quarkus-app)
#   SHAKA_PACKAGER_PATH Shaka Packager binary to copy     (default: the npm one under src/main/npm)
#   BENCH_PORT, BENCH_MANAGEMENT_PORT                    (default: 18080, BENCH_PORT + 9)
#   BENCH_SCHEMA, BENCH_STORAGE                          (default: vodpack_bench, /tmp/bench-storage)
#   BENCH_MEDIA        cache of generated test media      (default: /tmp/bench-media)
#   JAVA_OPTS          extra JVM options for the service  (default: none, as in production)
#   BENCH_JAVA         java executable for the service    (default: $JAVA_HOME/bin/java, else java on the PATH: the JDK
#                      that built the jar, as its start-up archive requires)
#   VODPACK_API_KEY    API key with the admin scope       (default: a fixed bench key, registered as the private
#                      instance's first admin key; with VODPACK_URL, set it to a key of that service)

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
PORT=${BENCH_PORT:-18080}
MANAGEMENT_PORT=${BENCH_MANAGEMENT_PORT:-$((PORT + 9))}
SCHEMA=${BENCH_SCHEMA:-vodpack_bench}
STORAGE=${BENCH_STORAGE:-/tmp/bench-storage}
MEDIA=${BENCH_MEDIA:-/tmp/bench-media}
APP_SRC=${VODPACK_APP:-$REPO/target/quarkus-app}
SHAKA_SRC=${SHAKA_PACKAGER_PATH:-$REPO/src/main/npm/node_modules/shaka-packager/bin/packager-linux-x64}
KEY_B64=hyN9IKGfWKdAwFaE5pm0qg
KID_B64=oW5AK5BW43HzbTSKpiu3SQ
KEY_HEX=87237d20a19f58a740c05684e699b4aa
KID_HEX=a16e402b9056e371f36d348aa62bb749
SEGMENT_DURATION=4

for p in "$PORT" "$MANAGEMENT_PORT"; do
    case "$p" in 8080 | 9000) echo "refusing port $p (used by others)" >&2; exit 2 ;; esac
done
case "$SCHEMA" in vodpack | vodpack_test) echo "refusing schema $SCHEMA (used by others)" >&2; exit 2 ;; esac

# The JVM the README runs the jar with: the JDK that built it (JAVA_HOME, as .ci/run and the build use), else the PATH's.
JAVA_BIN=${BENCH_JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/java}}
JAVA_BIN=${JAVA_BIN:-java}
# java_version [JAVA]: the version string of a java executable (default JAVA_BIN)
java_version() { "${1:-$JAVA_BIN}" -version 2>&1 | head -1 | cut -d'"' -f2; }

SVC_PID=""
NGINX_PID=""
OWN_SERVICE=false
WORK=$(mktemp -d /tmp/bench-run.XXXXXX)
SERVICE_LOG=$WORK/service.log   # the service's output (appended at each start)
SHAKA="$WORK/packager"
cp "$SHAKA_SRC" "$SHAKA"
API_KEY=${VODPACK_API_KEY:-bench-admin-key-00000000000000000000000000}
# The API key travels in a curl config file (-K), never on a command line other users can read.
AUTH="$WORK/curl.auth"
(umask 077 && printf 'header = "Authorization: Bearer %s"\n' "$API_KEY" >"$AUTH")

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_ns() { date +%s%N; }
# secs NS: nanoseconds as seconds with 2 decimals
secs() { awk -v n="$1" 'BEGIN { printf "%.2f", n / 1e9 }'; }
# mibps BYTES NS: MiB per second
mibps() { awk -v b="$1" -v n="$2" 'BEGIN { printf "%.1f", (b / 1048576) / (n / 1e9) }'; }
# ratio A B: A / B with 2 decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# median of the arguments (numbers)
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The service's database: the one DB_NAME names (the service reads it too), else postgres.
BENCH_DB=${DB_NAME:-postgres}
psql_bench() { psql -X -q -h localhost -U postgres -d "$BENCH_DB" -v ON_ERROR_STOP=1 -c "$1" >/dev/null; }

# need_tool COMMAND PACKAGE: installs PACKAGE with apt when COMMAND is missing (the load generator, the baseline server)
need_tool() {
    command -v "$1" >/dev/null && return 0
    log "installing $2 with apt"
    { apt-get install -y -q "$2" || { apt-get update -q && apt-get install -y -q "$2"; }; } >/dev/null 2>&1 ||
        die "$1 is missing and could not be installed: apt-get install -y $2"
}

start_service() {
    if [[ -n ${VODPACK_URL:-} ]]; then
        BASE=${VODPACK_URL%/}
        MANAGEMENT_BASE=${VODPACK_MANAGEMENT_URL:-$BASE}
        MANAGEMENT_BASE=${MANAGEMENT_BASE%/}
        STORAGE=${VODPACK_STORAGE:-}
        log "using the running service at $BASE"
    else
        prepare_service
        launch_service
    fi
    wait_ready
}

# prepare_service: copies the build into $WORK/app, empties the bench schema and storage; the service is this script's
prepare_service() {
    [[ -f $APP_SRC/quarkus-run.jar ]] || die "no $APP_SRC/quarkus-run.jar: run ./mvnw -B -q package -DskipTests first"
    if [[ -z ${VODPACK_APP:-} && -n $(find "$REPO/src/main" "$REPO/pom.xml" -newer "$APP_SRC/quarkus-run.jar" -type f \
        -not -path '*/node_modules/*' -print -quit) ]]; then
        log "WARNING: sources are newer than $APP_SRC/quarkus-run.jar: rebuild to measure the current code"
    fi
    # A copy in a folder of its own, so that this instance is not mistaken for one run from target/quarkus-app (the
    # jar keeps its name: the class-data archive names it).
    cp -a "$APP_SRC" "$WORK/app"
    psql_bench "DROP SCHEMA IF EXISTS $SCHEMA CASCADE"
    rm -rf "$STORAGE"
    BASE="http://127.0.0.1:$PORT"
    MANAGEMENT_BASE="http://127.0.0.1:$MANAGEMENT_PORT"
    OWN_SERVICE=true
}

# start_archive_opts APP_DIR [JAVA]: the JVM option that uses the start-up archive the build wrote into APP_DIR, as the README
# starts the jar: the AOT cache (app.aot, Java 25 builds) or the class-data archive (app-cds.jsa, Java 17 builds). Both
# are used from the jar's folder (they name quarkus-run.jar relative to it, and the copy kept its time stamps).
# A JVM older than 25 does not know -XX:AOTCache and would refuse to start: it gets no archive option.
start_archive_opts() {
    if [[ -f $1/app.aot ]]; then
        local feature
        feature=$(java_version "${2:-$JAVA_BIN}" | cut -d. -f1)
        ((feature >= 25)) && echo "-XX:AOTCache=app.aot"
    elif [[ -f $1/app-cds.jsa ]]; then echo "-XX:SharedArchiveFile=app-cds.jsa"; fi
    return 0
}

# launch_service [JVM OPTIONS...]: starts the copied jar in the background (output appended to SERVICE_LOG) with
# SVC_JAVA (default JAVA_BIN); sets SVC_PID and LAUNCH_NS (when java was started)
launch_service() {
    local app=${APP_DIR:-$WORK/app} p
    # Another instance on these ports would answer in its place: refuse to measure it.
    for p in "$PORT" "$MANAGEMENT_PORT"; do
        ! curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$p/" 2>/dev/null || die "port $p is in use: set BENCH_PORT"
    done
    local archive
    archive=$(start_archive_opts "$app" "${SVC_JAVA:-$JAVA_BIN}")
    LAUNCH_NS=$(now_ns)
    # shellcheck disable=SC2086
    (cd "$app" && QUARKUS_LOG_CATEGORY__IO_VODPACK_PACKAGING_WORKER__LEVEL=DEBUG VODPACK_ADMIN_API_KEY=$API_KEY DB_SCHEMA=$SCHEMA STORAGE_ROOT=$STORAGE PORT=$PORT MANAGEMENT_PORT=$MANAGEMENT_PORT \
        SHAKA_PACKAGER_PATH=$SHAKA exec "${SVC_JAVA:-$JAVA_BIN}" $archive ${JAVA_OPTS:-} "$@" -jar quarkus-run.jar >>"$SERVICE_LOG" 2>&1) &
    SVC_PID=$!
    log "service pid $SVC_PID on $BASE (log $SERVICE_LOG)"
}

# wait_ready: polls /q/health/ready every 20 ms until 200 (at most 120 s); sets READY_MS (from LAUNCH_NS, if set)
wait_ready() {
    local i
    for ((i = 0; i < 6000; i++)); do
        if curl -fsS -o /dev/null "$MANAGEMENT_BASE/q/health/ready" 2>/dev/null; then
            READY_MS=$((($(now_ns) - ${LAUNCH_NS:-0}) / 1000000))
            log "service ready"
            return 0
        fi
        if [[ -n $SVC_PID ]] && ! kill -0 "$SVC_PID" 2>/dev/null; then
            tail -30 "$SERVICE_LOG" >&2
            die "service exited during start"
        fi
        sleep 0.02
    done
    die "service not ready after 120 s"
}

# stop_service: stops the service this script started (SIGTERM, SIGKILL after 20 s); data and schema stay
stop_service() {
    [[ -n $SVC_PID ]] || return 0
    kill "$SVC_PID" 2>/dev/null || true
    local i
    for ((i = 0; i < 200; i++)); do kill -0 "$SVC_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SVC_PID" 2>/dev/null || true
    wait "$SVC_PID" 2>/dev/null || true
    SVC_PID=""
}

# restart_service: stops the service this script started and starts it again on the same schema and storage
restart_service() {
    $OWN_SERVICE || die "restart_service: the service was not started by this script"
    stop_service
    launch_service
    wait_ready
}

stop_all() {
    local rc=$?
    [[ -n ${RSS_SAMPLER:-} ]] && touch "$WORK/rss.stop"
    [[ -n ${S3_PID:-} ]] && { kill "$S3_PID" 2>/dev/null || true; }
    if [[ -n $NGINX_PID ]]; then
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    fi
    if [[ -n $SVC_PID ]] && ! kill -0 "$SVC_PID" 2>/dev/null; then
        wait "$SVC_PID" 2>/dev/null && svc_rc=0 || svc_rc=$?
        log "the service (pid $SVC_PID) exited before the end (status $svc_rc); last lines of its log:"
        tail -15 "$SERVICE_LOG" >&2
        ((rc != 0)) || rc=1
    elif [[ -n $SVC_PID ]]; then
        stop_service
    fi
    if $OWN_SERVICE; then
        psql_bench "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" || true
        rm -rf "$STORAGE"
    fi
    if [[ -n ${KEEP_WORK:-} ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    exit "$rc"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# BENCH_IGNORE_NICED=1: other processes running at a positive nice level (e.g. builds started with `nice -n 19`)
# count as idle, both for wait_quiet and for others_s: the measured processes (nice 0) take the CPUs from them at
# once. They still share caches, memory bandwidth and the disk, so the log of such a run says so.
IGNORE_NICED=${BENCH_IGNORE_NICED:-0}
((IGNORE_NICED)) && log "BENCH_IGNORE_NICED=1: processes at nice > 0 are not counted as load; they still share caches, memory bandwidth and the disk"

# cpu_busy: percent of all CPUs busy over the next second (whole machine, any process; with BENCH_IGNORE_NICED=1
# not counting time spent at nice > 0)
cpu_busy() {
    local a b
    a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
    awk -v u1="${a[1]}" -v n1="${a[2]}" -v s1="${a[3]}" -v i1="${a[4]}" -v w1="${a[5]}" -v q1="${a[6]}" -v sq1="${a[7]}" \
        -v u2="${b[1]}" -v n2="${b[2]}" -v s2="${b[3]}" -v i2="${b[4]}" -v w2="${b[5]}" -v q2="${b[6]}" -v sq2="${b[7]}" \
        -v niced_idle="$IGNORE_NICED" \
        'BEGIN { nice = n2-n1; busy = (u2-u1)+(s2-s1)+(q2-q1)+(sq2-sq1); idle = (i2-i1)+(w2-w1)
                 if (niced_idle) idle += nice; else busy += nice
                 printf "%d", 100 * busy / (busy + idle) }'
}

# wait_quiet: this is a shared 2-core machine; waits (at most BENCH_QUIET_WAIT s, default 600) until the CPUs are
# less than 15 % busy for 3 s in a row, so that other users' builds do not skew the figures. Warns if never quiet.
wait_quiet() {
    local i quiet=0 busy
    for ((i = 0; i < ${BENCH_QUIET_WAIT:-600}; i++)); do
        busy=$(cpu_busy)
        if ((busy < 15)); then quiet=$((quiet + 1)); else quiet=0; fi
        ((quiet >= 3)) && return 0
        ((quiet == 0 && i % 30 == 0)) && log "machine busy ($busy % CPU), waiting before measuring"
    done
    log "WARNING: the machine stayed busy (last $busy % CPU): figures below are skewed by other processes"
}

# proc_snapshot FILE: "pid ppid cpu_ticks" of every process (own + reaped children's user and system time)
proc_snapshot() {
    local f line
    for f in /proc/[0-9]*/stat; do
        { read -r line <"$f"; } 2>/dev/null || continue
        echo "${line%% *} ${line##*) }"
    done | awk -v niced_idle="$IGNORE_NICED" '{ print $1, $3, (niced_idle && $18 > 0) ? 0 : $13 + $14 + $15 + $16 }' >"$1"
}
# db_backends: PIDs of the PostgreSQL backends serving the service's connections (their CPU is the service's work)
db_backends() {
    [[ -n $SVC_PID ]] || return 0
    local ports
    ports=$(ss -tnpH state established '( dport = :5432 )' 2>/dev/null | grep "pid=$SVC_PID," |
        awk '{ n = split($3, a, ":"); printf "%s%s", sep, a[n]; sep = "," }')
    [[ -n $ports ]] || return 0
    psql -X -q -At -h localhost -U postgres -d "$BENCH_DB" \
        -c "SELECT pid FROM pg_stat_activity WHERE client_port IN ($ports)" 2>/dev/null | tr '\n' ' '
}
# others_start / others_stop: CPU seconds used meanwhile by processes that are not this script, its descendants
# (the service, nginx, wrk, curl) or the service's database backends: other users' work that skews a measurement.
# others_stop sets OTHERS_CPU.
others_start() { proc_snapshot "$WORK/procs.before"; }
others_stop() {
    proc_snapshot "$WORK/procs.after"
    OTHERS_CPU=$(awk -v me=$$ -v backends="$(db_backends)" -v hz="$(getconf CLK_TCK)" '
        BEGIN { n = split(backends, b, " "); for (i = 1; i <= n; i++) mine[b[i]] = 1 }
        FNR == NR { before[$1] = $3; next }
        { parent[$1] = $2; after[$1] = $3 }
        END {
            for (p in after) {
                ours = (p in mine)
                for (q = p; !ours && q != "" && q > 1; q = parent[q]) if (q == me) ours = 1
                if (!ours) total += after[p] - (p in before ? before[p] : 0)
            }
            printf "%.2f", total / hz
        }' "$WORK/procs.before" "$WORK/procs.after")
}

# is_clean: whether other users' processes took at most BENCH_MAX_OTHERS CPU seconds (default 1.0) during the
# last others_start..others_stop; runs that are not clean are shown but not counted, and are repeated (bounded).
MAX_OTHERS=${BENCH_MAX_OTHERS:-1.0}
is_clean() { awk -v o="$OTHERS_CPU" -v m="$MAX_OTHERS" 'BEGIN { exit !(o <= m) }'; }

# clean_attempts FUNC: runs FUNC (a measurement that sets globals) after wait_quiet and between others_start and
# others_stop, up to 3 times, until other users' processes took at most MAX_OTHERS CPU-s meanwhile
clean_attempts() {
    local attempt
    for ((attempt = 1; attempt <= 3; attempt++)); do
        wait_quiet
        others_start
        "$@"
        others_stop
        is_clean && return 0
        log "other processes took $OTHERS_CPU CPU-s during $1: repeating"
    done
    log "WARNING: $1 stayed skewed by other processes ($OTHERS_CPU CPU-s)"
}

# proc_cpu_ticks PID: CPU clock ticks (user + system) used so far by process PID, 0 when it is gone
proc_cpu_ticks() {
    local line
    { read -r line <"/proc/$1/stat"; } 2>/dev/null || { echo 0; return; }
    echo "${line##*) }" | awk '{ print $12 + $13 }'
}
# cpu_s_per_gib TICKS BYTES: CPU seconds per GiB moved
cpu_s_per_gib() { awk -v t="$1" -v b="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (t / hz) / (b / 1073741824) }'; }

# service_alive: fails when the service this script started has exited
service_alive() {
    [[ -z $SVC_PID ]] || kill -0 "$SVC_PID" 2>/dev/null || die "the service (pid $SVC_PID) has exited; log: $(tail -5 "$SERVICE_LOG")"
}

# rss_kib PID: current VmRSS in KiB
rss_kib() {
    local k v _
    while read -r k v _; do
        if [[ $k == VmRSS: ]]; then echo "$v"; return; fi
    done <"/proc/$1/status"
} 2>/dev/null

# rss_sampler_start: samples the service's VmRSS every 100 ms (at most 10 min) into $WORK/rss.peak
rss_sampler_start() {
    rm -f "$WORK/rss.stop" "$WORK/rss.peak"
    (
        peak=0
        for ((i = 0; i < 6000; i++)); do
            [[ -f $WORK/rss.stop ]] && break
            v=$(rss_kib "$SVC_PID") || break
            ((v > peak)) && peak=$v
            sleep 0.1
        done
        echo "$peak" >"$WORK/rss.peak"
    ) &
    RSS_SAMPLER=$!
}
# rss_sampler_stop: sets RSS_PEAK to the peak VmRSS (KiB) seen since rss_sampler_start (not in a $(...))
rss_sampler_stop() {
    touch "$WORK/rss.stop"
    wait "$RSS_SAMPLER"
    RSS_PEAK=$(cat "$WORK/rss.peak")
}
kib_to_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# upload FILE: uploads as a raw video/mp4 body; prints "ID NS" (id of the new input, wall time of the request).
# curl -T -X POST streams the file with a Content-Length (curl --data-binary @file first reads the whole file
# into memory and refuses files over 1 GB); "Expect:" drops the 100-continue round trip.
upload() {
    local out="$WORK/upload.$BASHPID.json" t0 t1 code
    t0=$(now_ns)
    code=$(curl -sS -K "$AUTH" -o "$out" -w '%{http_code}' -T "$1" -X POST -H 'Expect:' -H 'Content-Type: video/mp4' \
        "$BASE/upload_input_content?filename=$(basename "$1")")
    t1=$(now_ns)
    [[ $code == 201 ]] || { service_alive; die "upload of $1 answered $code: $(cat "$out")"; }
    echo "$(jq -r .input_content_id "$out") $((t1 - t0))"
}

delete_input() {
    local code
    code=$(curl -sS -K "$AUTH" -o /dev/null -w '%{http_code}' -X DELETE "$BASE/input_content/$1") || service_alive
    [[ $code == 204 ]] || log "warning: DELETE /input_content/$1 answered $code"
}

# package_start INPUT_ID [FIELDS]: creates a packaging job (FIELDS: more JSON members, e.g. '"ladder":"default"');
# prints its id
package_start() {
    local out="$WORK/post.$BASHPID.json" code
    code=$(curl -sS -K "$AUTH" -o "$out" -w '%{http_code}' -H 'Content-Type: application/json' \
        -d "{\"input_content_id\":$1,\"key\":\"$KEY_B64\",\"kid\":\"$KID_B64\"${2:+,$2}}" "$BASE/packaged_content")
    [[ $code == 202 ]] || die "POST /packaged_content answered $code: $(cat "$out")"
    # Read with bash, not jq: this runs inside the timed span, and a jq process costs ~10 ms of it.
    local body
    body=$(<"$out")
    [[ $body =~ \"packaged_content_id\":([0-9]+) ]] || die "no packaged_content_id in: $body"
    echo "${BASH_REMATCH[1]}"
}

# package_wait JOB_ID...: follows each job with long polling (GET ?wait=30 answers as soon as its status or progress
# changes, a finished job at once) until every job answers 200; at most BENCH_WAIT_MAX seconds (default 600). Jobs
# run in parallel, so waiting on them one after the other still returns right after the last one is DONE.
package_wait() {
    local id code deadline=$((SECONDS + ${BENCH_WAIT_MAX:-600}))
    for id in "$@"; do
        while :; do
            ((SECONDS < deadline)) || die "packaging job $id not done after ${BENCH_WAIT_MAX:-600} s"
            code=$(curl -sS -K "$AUTH" -o "$WORK/job.$id.json" -w '%{http_code}' "$BASE/packaged_content/$id?wait=30") \
                || service_alive
            case $code in
                200) break ;;
                202) ;;
                *) die "GET /packaged_content/$id answered $code: $(cat "$WORK/job.$id.json")" ;;
            esac
        done
    done
}

delete_job() {
    local code
    code=$(curl -sS -K "$AUTH" -o /dev/null -w '%{http_code}' -X DELETE "$BASE/packaged_content/$1") || service_alive
    [[ $code == 204 ]] || log "warning: DELETE /packaged_content/$1 answered $code"
}

# shaka_cli INPUT OUTDIR [dash]: the command line the service runs (ShakaPackager.commandLines: DASH and HLS in one
# run), run in OUTDIR/work; with "dash", the same without the HLS options (what the service ran before HLS)
shaka_cli() {
    local in=$1 out=$2 video_hls=",playlist_name=video.m3u8" audio_hls=",playlist_name=audio.m3u8,hls_group_id=audio,hls_name=audio"
    local hls=(--hls_master_playlist_output "$out/master.m3u8" --hls_key_uri ../../license/hls/0)
    if [[ ${3:-} == dash ]]; then
        video_hls="" audio_hls="" hls=()
    fi
    mkdir -p "$out/work" "$out/video" "$out/audio"
    (cd "$out/work" && "$SHAKA" \
        "in=$in,stream=video,init_segment=$out/video/init.mp4,segment_template=$out/video/seg_\$Number\$.m4s,drm_label=CK$video_hls" \
        "in=$in,stream=audio,init_segment=$out/audio/init.mp4,segment_template=$out/audio/seg_\$Number\$.m4s,drm_label=CK$audio_hls" \
        --protection_scheme cbcs --enable_raw_key_encryption \
        --keys "label=CK:key_id=$KID_HEX:key=$KEY_HEX" \
        --protection_systems CommonSystem --clear_lead 0 --segment_duration "$SEGMENT_DURATION" \
        --generate_static_live_mpd --mpd_output "$out/stream.mpd" "${hls[@]}" >>"$out/work/engine.log" 2>&1 </dev/null)
}

# media_1080p_2min: prints the path of a cached 2-minute 1080p ~8 Mbit/s H.264 + AAC MP4 (made once, ~20 s)
media_1080p_2min() {
    local f="$MEDIA/src-1080p-120s-8M.mp4"
    if [[ ! -s $f ]]; then
        mkdir -p "$MEDIA"
        log "generating $f"
        ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1920x1080:rate=24" \
            -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 120 \
            -c:v libx264 -preset ultrafast -b:v 8M -maxrate 8M -bufsize 16M -g 48 -keyint_min 48 -sc_threshold 0 \
            -pix_fmt yuv420p -c:a aac -b:a 128k -movflags +faststart "$f.tmp.mp4"
        mv "$f.tmp.mp4" "$f"
    fi
    echo "$f"
}

# start_s3: starts a real S3 server (S3Proxy, filesystem backend, the jar the build copies to target/s3proxy) on
# loopback port BENCH_S3_PORT (default BENCH_PORT + 2), and points the service this script starts at it
# (vodpack.storage.kind=s3, bucket vodpack-bench). Requests need no signature (s3proxy.authorization=none), so that
# curl and wrk can be the baseline against the very same server; the service signs its requests all the same.
# Sets S3 (the server's URL), S3_BUCKET, S3_DATA (where the server keeps each object as a file), S3_PID.
start_s3() {
    local jar="$REPO/target/s3proxy/s3proxy.jar" i
    [[ -f $jar ]] || die "no $jar: run ./mvnw -B -q package -DskipTests first"
    S3_PORT=${BENCH_S3_PORT:-$((PORT + 2))}
    S3="http://127.0.0.1:$S3_PORT"
    S3_BUCKET=vodpack-bench
    S3_DATA="$WORK/s3data"
    mkdir -p "$S3_DATA"
    printf '%s\n' "s3proxy.endpoint=$S3" "s3proxy.authorization=none" "jclouds.provider=filesystem" \
        "jclouds.filesystem.basedir=$S3_DATA" >"$WORK/s3proxy.conf"
    java -Xmx256m -jar "$jar" --properties "$WORK/s3proxy.conf" >>"$WORK/s3proxy.log" 2>&1 &
    S3_PID=$!
    for ((i = 0; i < 600; i++)); do curl -s -o /dev/null "$S3/" 2>/dev/null && break; sleep 0.1; done
    curl -s -o /dev/null "$S3/" || die "S3Proxy did not start: $(tail -5 "$WORK/s3proxy.log")"
    log "S3 server pid $S3_PID on $S3 (data $S3_DATA)"
    export VODPACK_STORAGE_KIND=s3 VODPACK_STORAGE_S3_ENDPOINT=$S3 VODPACK_STORAGE_S3_BUCKET=$S3_BUCKET \
        VODPACK_STORAGE_S3_PATH_STYLE=true AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret
}

# segments_lua PREFIX SEGMENT...: a wrk script that rotates over PREFIX + each segment path (each wrk thread starting
# at a different place) and prints a RESULT line for run_wrk
segments_lua() {
    local prefix=$1 s
    shift
    echo "local paths = {"
    for s in "$@"; do echo "  \"$prefix$s\","; done
    cat <<'LUA'
}
local i = 0
local counter = 0
setup = function(thread) counter = counter + 1; thread:set("offset", counter * 7) end
init = function(args) i = offset or 0 end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d bytes=%d duration_us=%d socket_errors=%d non2xx=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.bytes, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA
}

# run_wrk URL [LUA]: prints "REQ_PER_S MIB_PER_S P50_MS P99_MS OTHERS_CPU_S" from one wrk run; fails on errors
run_wrk() {
    local out="$WORK/wrk.out" line
    others_start
    # shellcheck disable=SC2086
    wrk $WRK_ARGS --timeout 10s ${2:+-s "$2"} "$1" >"$out" 2>&1 || die "wrk failed: $(cat "$out")"
    others_stop
    line=$(grep '^RESULT' "$out") || die "no RESULT from wrk: $(cat "$out")"
    eval "$(echo "${line#RESULT }" | tr ' ' '\n' | sed 's/^/local_/')"
    # shellcheck disable=SC2154
    ((local_socket_errors == 0 && local_non2xx == 0)) || die "wrk saw errors against $1: $line"
    awk -v r="$local_requests" -v b="$local_bytes" -v d="$local_duration_us" -v p50="$local_p50_ms" -v p99="$local_p99_ms" \
        'BEGIN { printf "%.0f %.1f %s %s", r / (d / 1e6), (b / 1048576) / (d / 1e6), p50, p99 }'
    echo " $OTHERS_CPU"
}

