#!/usr/bin/env bash
# aot-training.sh APP_DIR: the training run of the JDK's AOT cache (Java 25+, JEP 483/514/515) for the built jar in
# APP_DIR (target/quarkus-app or the image's /deployments). It writes APP_DIR/app.aot, which
# `java -XX:AOTCache=app.aot -jar quarkus-run.jar`, started from APP_DIR, uses to start with its classes already loaded
# and linked and with method profiles for the JIT (docs/benchmarks.md, section 9).
#
# Two trainings, best first:
#  - full: when PostgreSQL answers at DB_HOST:DB_PORT (the service's own settings and defaults: localhost:5432), the
#    service starts for real in a throwaway schema with throwaway storage and random ports, gets a few requests (health,
#    metrics, OpenAPI, the pages, the API's lists) and is stopped; the JVM writes the cache as it exits. The schema and
#    the storage are removed afterwards.
#  - static init only: without a database, the service runs its static initialisation and exits
#    (-Dquarkus.appcds.generate=true, what Quarkus' own build-time training does; the jar must be built with
#    quarkus.package.jar.aot.enabled, as pom.xml does on Java 25, or it starts for real). Smaller gain, needs nothing.
#    In auto mode a cache already there (Quarkus' own) is kept.
# A failed full training falls back to static init: the jar works without a cache anyway.
#
# Environment: JAVA (default $JAVA_HOME/bin/java, else java), DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD (as the
# service reads them), AOT_TRAINING=full|static|auto (default auto: full when the database answers),
# AOT_TRAINING_TIMEOUT (seconds to wait for the service to be ready, default 180), SHAKA_PACKAGER_PATH.
# JAVA_OPTS: JVM options the service will run with; they must be the same here, or the JVM ignores the cache.
set -euo pipefail

app=$(cd "${1:?usage: aot-training.sh APP_DIR}" && pwd)
java=${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/java}}
java=${java:-java}
mode=${AOT_TRAINING:-auto}
log() { printf '[aot-training] %s\n' "$*" >&2; }

feature=$("$java" -version 2>&1 | head -1 | cut -d'"' -f2 | cut -d. -f1)
if ! [[ $feature =~ ^[0-9]+$ ]] || ((feature < 25)); then
    log "java $feature has no AOT cache (Java 25+): nothing to do"
    exit 0
fi
[[ -f $app/quarkus-run.jar ]] || { log "no $app/quarkus-run.jar"; exit 1; }
cd "$app"

# static_init: the cache of the classes static initialisation loads; no database needed.
static_init() {
    rm -f app.aot.new
    local scratch
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/vodpack-aot-static.XXXXXX")
    # Should the jar run on past static initialisation, a database on port 1 stops it before it touches anything.
    # shellcheck disable=SC2086
    if DB_HOST=127.0.0.1 DB_PORT=1 STORAGE_ROOT=$scratch "$java" ${JAVA_OPTS:-} -XX:AOTCacheOutput=app.aot.new \
        -Dquarkus.appcds.generate=true -jar quarkus-run.jar >static-training.log 2>&1 && [[ -s app.aot.new ]]; then
        mv app.aot.new app.aot
        rm -f static-training.log
        log "static-init cache written: $app/app.aot ($(du -m app.aot | cut -f1) MB)"
    else
        log "WARNING: the static-init training failed (log: $app/static-training.log); no cache"
        rm -f app.aot.new
    fi
    rm -rf "$scratch"
}

db_host=${DB_HOST:-localhost}
db_port=${DB_PORT:-5432}
if [[ $mode == auto ]]; then
    if (exec 3<>"/dev/tcp/$db_host/$db_port") 2>/dev/null; then mode=full; else mode=static; fi
fi
if [[ $mode == static ]]; then
    if [[ ${AOT_TRAINING:-auto} == auto && -s app.aot ]]; then
        log "no PostgreSQL at $db_host:$db_port: keeping the static-init cache the build wrote"
        exit 0
    fi
    log "training static initialisation only"
    static_init
    exit 0
fi

# --- full training
schema=vodpack_aot_training_$$
storage=$(mktemp -d "${TMPDIR:-/tmp}/vodpack-aot-training.XXXXXX")
key=aot-training-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
out=$app/training.log
pid=""
cleanup() {
    [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null
    rm -rf "$storage" app.aot.new app.aot.new.config
    # The service's JDBC driver is not ours to use from bash: psql when present, else the schema stays (it is empty
    # of anything but the service's tables, and named after this run).
    if command -v psql >/dev/null; then
        PGPASSWORD=${DB_PASSWORD:-} psql -X -q -w -h "$db_host" -p "$db_port" -U "${DB_USER:-postgres}" \
            -d "${DB_NAME:-postgres}" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 ||
            log "could not drop schema $schema"
    else
        log "no psql: drop schema $schema yourself"
    fi
}
trap cleanup EXIT

log "training with the service against PostgreSQL at $db_host:$db_port (schema $schema)"
started=$(date +%s)
# Random ports (0): parallel builds on one machine do not collide; the log says which ports were taken.
# shellcheck disable=SC2086
DB_SCHEMA=$schema STORAGE_ROOT=$storage PORT=0 MANAGEMENT_PORT=0 VODPACK_ADMIN_API_KEY=$key \
    "$java" ${JAVA_OPTS:-} -XX:AOTCacheOutput=app.aot.new -jar quarkus-run.jar >"$out" 2>&1 &
pid=$!

# The ports from "Listening on: http://0.0.0.0:P. Management interface listening on http://0.0.0.0:M."
port="" management=""
for ((i = 0; i < ${AOT_TRAINING_TIMEOUT:-180} * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    line=$(grep -m1 -E 'Listening on: http' "$out" || true)
    if [[ $line =~ Listening\ on:\ http://[^:]+:([0-9]+).*listening\ on\ http://[^:]+:([0-9]+) ]]; then
        port=${BASH_REMATCH[1]} management=${BASH_REMATCH[2]}
        break
    fi
    sleep 0.1
done
if [[ -z $port ]]; then
    log "WARNING: the service did not start (log: $out); training static initialisation only"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
    static_init
    exit 0
fi

# get PORT PATH [KEY]: one request; its status does not matter, only that the service ran the code that answers it.
# bash's /dev/tcp, so that the image needs no HTTP client.
get() {
    local header=""
    [[ -n ${3:-} ]] && header="Authorization: Bearer $3"$'\r\n'
    { exec 4<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 0
    printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s\r\n' "$2" "$header" >&4
    timeout 10 cat <&4 >/dev/null || true
    exec 4<&-
}
# ready: whether /q/health/ready answers 200 (readiness also wants the engines and ffmpeg: a build machine may lack
# them, and the training goes on without)
ready() {
    { exec 4<>"/dev/tcp/127.0.0.1/$management"; } 2>/dev/null || return 1
    printf 'GET /q/health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&4
    local status
    status=$(timeout 5 head -1 <&4 || true)
    exec 4<&-
    [[ $status == *" 200"* ]]
}
for ((i = 0; i < 300; i++)); do
    ready && break
    sleep 0.1
done
ready || log "the service is not ready (engine or ffmpeg missing?): training it anyway"
# What a running instance serves most: probes, metrics, the API's reads, the pages. Twice, so that the second round
# runs the code the first one linked.
for round in 1 2; do
    for path in /q/health/ready /q/health/live /q/health/started /q/health /q/metrics /q/openapi '/q/openapi?format=json'; do
        get "$management" "$path"
    done
    for path in / /index.html /player.html /vodpack-common.js /.well-known/jwks.json /packaged_content /input_content \
        /api_keys /webhooks /packaged_content/1 /input_content/1 /no-such-page; do
        get "$port" "$path" "$key"
    done
    get "$port" /packaged_content # no key: 401
done

# SIGTERM: Quarkus stops, the JVM exits and writes the cache (a second JVM assembles it: tens of seconds).
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
pid=""
if [[ -s app.aot.new ]]; then
    mv app.aot.new app.aot
    rm -f "$out"
    log "cache written: $app/app.aot ($(du -m app.aot | cut -f1) MB) in $(($(date +%s) - started)) s"
else
    log "WARNING: the training run wrote no cache (log: $out); training static initialisation only"
    static_init
fi
