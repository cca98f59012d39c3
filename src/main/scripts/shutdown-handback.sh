#!/usr/bin/env bash
# Shows graceful shutdown: a job that is RUNNING when the service gets SIGTERM is handed back to the
# queue (its engine killed, nothing published) and is finished by the next start.
#
#   src/main/scripts/shutdown-handback.sh          (after ./mvnw package; needs ffmpeg, curl, psql)
#
# Uses its own schema, port and storage folder; removes them at the end.
set -euo pipefail
cd "$(dirname "$0")/../../.."

port=18181
schema=vodpack_handback
work=$(mktemp -d)
app_pid=
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -d postgres -qc "drop schema if exists $schema cascade" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export DB_SCHEMA=$schema PORT=$port MANAGEMENT_PORT=$((port + 1)) STORAGE_ROOT=$work/storage VODPACK_PACKAGING_CONCURRENCY=1
url=http://127.0.0.1:$port
health=http://127.0.0.1:$MANAGEMENT_PORT/q/health/ready

start() {
  java -jar target/quarkus-app/quarkus-run.jar >> "$work/service.log" 2>&1 &
  app_pid=$!
  for _ in $(seq 1 120); do
    curl -fs "$health" >/dev/null 2>&1 && return
    sleep 0.5
  done
  echo "service did not become ready"; tail -n 20 "$work/service.log"; exit 1
}
status() { curl -s "$url/packaged_content/$1" | sed -E 's/.*"status":"([A-Z]+)".*/\1/'; }

echo "making a 90 s 1080p test clip…"
ffmpeg -v error -f lavfi -i testsrc2=size=1920x1080:rate=25 -f lavfi -i sine=frequency=440 -t 90 \
  -c:v libx264 -preset ultrafast -b:v 12M -g 50 -keyint_min 50 -sc_threshold 0 -c:a aac \
  -movflags +faststart "$work/clip.mp4"

start
input=$(curl -fs --data-binary @"$work/clip.mp4" -H 'Content-Type: video/mp4' "$url/upload_input_content" \
  | sed -E 's/.*"input_content_id":([0-9]+).*/\1/')
job=$(curl -fs -H 'Content-Type: application/json' -d "{\"input_content_id\": $input}" "$url/packaged_content" \
  | sed -E 's/.*"packaged_content_id":([0-9]+).*/\1/')
for _ in $(seq 1 400); do [ "$(status "$job")" = RUNNING ] && break; sleep 0.02; done
echo "job $job is $(status "$job"); sending SIGTERM to the service"
kill -TERM "$app_pid"; wait "$app_pid" || true; app_pid=
row=$(psql -h 127.0.0.1 -U postgres -d postgres -tAc "select status || ' attempts=' || attempts || ' lease_owner=' || coalesce(lease_owner, 'none') from $schema.packaging_job where id = $job")
echo "after shutdown: $row; published: $(ls "$work/storage/packaged" | wc -l) stream(s)"
grep -E "handed back|engine stopped" "$work/service.log" | sed 's/^/  log: /'

start
for _ in $(seq 1 600); do [ "$(status "$job")" = DONE ] && break; sleep 0.1; done
echo "after restart: job $job is $(status "$job"), attempts=$(psql -h 127.0.0.1 -U postgres -d postgres -tAc "select attempts from $schema.packaging_job where id = $job")"
[ "$(status "$job")" = DONE ] && [[ $row == QUEUED* ]]
