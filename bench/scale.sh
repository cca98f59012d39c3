#!/usr/bin/env bash
# bench/scale.sh: does the cost of the service's everyday operations stay flat as the database grows?
#
# Starts the built service on a fresh schema (Flyway creates it), then for ROUNDS rounds seeds the schema with SQL
# generate_series to SMALL (100) and then LARGE (100 000) input contents and packaging jobs, and measures at each size:
#   over HTTP (wrk, one connection, HTTP_S seconds each; mean time per request):
#     GET /packaged_content/{id} (a DONE job), the first page of GET /packaged_content, of ?status=DONE and of
#     GET /input_content;
#   in PostgreSQL (pgbench, one connection, prepared statements, SQL_S seconds each: mean latency), the exact statements of: the claim of the next queued job (JobQueue.claim), the packaging sweeper's run (JobQueue.reclaimExpired,
#   runningIds, liveOutputs) and the upload sweeper's run (ResumableUploadRemoval.expire and unfinished, UploadSweeper's
#   storage-name lookup); writes inside a transaction that is rolled back.
# Prints every figure, the medians over the rounds and the ratio LARGE / SMALL for each operation (target <= 1.2), and
# writes the EXPLAIN output at the LARGE size to EXPLAIN_OUT. Seeded jobs look like a service's steady state: at most
# 100 jobs may wait (vodpack.packaging.max-queued-jobs), so each size has 10 QUEUED and 2 RUNNING jobs, the rest finished
# (90 % DONE, 7 % FAILED, 3 % CANCELLED); inputs are READY, spread over 5 owners. Seeding disables the schema's triggers
# for its own session (no job events or webhook rows for seeded rows).
# Usage: bench/scale.sh   (env: ROUNDS=3, SMALL=100, LARGE=100000, HTTP_S=5, SQL_S=3,
#                          EXPLAIN_OUT=/tmp/bench-scale-explain.txt, see bench/lib.sh)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-3}
SMALL=${SMALL:-100}
LARGE=${LARGE:-100000}
HTTP_S=${HTTP_S:-5}
SQL_S=${SQL_S:-3}
EXPLAIN_OUT=${EXPLAIN_OUT:-/tmp/bench-scale-explain.txt}
need_tool wrk wrk
command -v pgbench >/dev/null || die "pgbench is missing (apt-get install -y postgresql-client)"
[[ -n ${VODPACK_URL:-} ]] && die "scale.sh seeds its own schema: it starts its own service (unset VODPACK_URL)"

# An API-only instance: its workers would claim the seeded queued jobs (whose files do not exist).
JAVA_OPTS="${JAVA_OPTS:-} -Dvodpack.packaging.workers-enabled=false"
start_service
# psql_schema: psql on the bench schema (tables unqualified), reading SQL from stdin
psql_schema() { psql -X -q -At -h localhost -U postgres -d "$BENCH_DB" -v ON_ERROR_STOP=1 -c "SET search_path = $SCHEMA" -f - "$@"; }

KID=$KID_HEX KEY=$KEY_HEX
# seed N: replaces every input content and packaging job with N of each
seed() {
    local n=$1
    psql_schema >/dev/null <<EOF
SET session_replication_role = replica;
BEGIN;
TRUNCATE packaging_job, resumable_upload, input_content, content_key;
INSERT INTO content_key (kid_hex, key_hex) VALUES ('$KID', '$KEY');
INSERT INTO input_content (id, status, storage_name, original_filename, content_type, size_bytes, sha256, video_codec,
    audio_codec, width, height, duration_ms, created_at, owner)
SELECT g, 'READY', md5(g::text) || '.mp4', 'seeded-' || g || '.mp4', 'video/mp4', 100000000 + g, md5(g::text) || md5(g::text),
    'avc1.640028', 'mp4a.40.2', 1920, 1080, 120000, now() - make_interval(secs => $n - g), (ARRAY['admin','acme','globex','initech','umbrella'])[1 + g % 5]
FROM generate_series(1, $n) g;
INSERT INTO packaging_job (id, input_content_id, status, engine, key_hex, kid_hex, key_text, kid_text, progress, attempts,
    error_detail, lease_owner, lease_expires_at, created_at, started_at, finished_at, output_folder, owner)
SELECT g, g, s.status, 'shaka', '$KEY', '$KID', '$KEY_B64', '$KID_B64',
    CASE WHEN s.status = 'DONE' THEN 100 ELSE 0 END, CASE WHEN s.status = 'QUEUED' THEN 0 ELSE 1 END,
    CASE WHEN s.status IN ('FAILED', 'CANCELLED') THEN 'seeded' END,
    CASE WHEN s.status = 'RUNNING' THEN 'bench-worker#' || g END,
    CASE WHEN s.status = 'RUNNING' THEN now() + interval '1 hour' END,
    now() - make_interval(secs => $n - g), CASE WHEN s.status <> 'QUEUED' THEN now() - make_interval(secs => $n - g) END,
    CASE WHEN s.status IN ('DONE', 'FAILED', 'CANCELLED') THEN now() - make_interval(secs => $n - g) END,
    CASE WHEN s.status = 'DONE' THEN g || '-1-' || substr(md5(g::text), 1, 12) END,
    (ARRAY['admin','acme','globex','initech','umbrella'])[1 + g % 5]
FROM generate_series(1, $n) g
CROSS JOIN LATERAL (SELECT CASE WHEN g > $n - 10 THEN 'QUEUED' WHEN g > $n - 12 THEN 'RUNNING'
    WHEN g % 100 < 7 THEN 'FAILED' WHEN g % 100 < 10 THEN 'CANCELLED' ELSE 'DONE' END AS status) s;
COMMIT;
SELECT setval(pg_get_serial_sequence('input_content', 'id'), $n);
SELECT setval(pg_get_serial_sequence('packaging_job', 'id'), $n);
VACUUM ANALYZE input_content;
VACUUM ANALYZE packaging_job;
VACUUM ANALYZE resumable_upload;
VACUUM ANALYZE content_key;
EOF
}

# The statements, as the service sends them (with the bench's values in place of the parameters). Writes are rolled back.
# sql_ops N: "NAME<TAB>SQL" lines for a schema seeded with N rows
sql_ops() {
    local n=$1 done_id=$(($1 / 2)) folders names
    folders=$(seq -s, $((n / 2 - 19)) $((n / 2)) | sed -E "s/([0-9]+)/'\1-1-x'/g")
    names=$(seq -s, $((n / 2 - 19)) $((n / 2)) | sed -E "s/([0-9]+)/md5('\1') || '.mp4'/g")
    ((done_id % 100 >= 10)) || done_id=$((done_id + 10))
    cat <<EOF
claim	UPDATE packaging_job j SET status = 'RUNNING', lease_owner = 'bench#1', lease_expires_at = now() + make_interval(secs => 30), attempts = j.attempts + 1, started_at = now(), progress = 0, not_before = NULL FROM input_content i WHERE j.id = (SELECT id FROM packaging_job WHERE status IN ('QUEUED') AND (not_before IS NULL OR not_before <= now()) ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) AND i.id = j.input_content_id RETURNING j.id, j.attempts, j.engine, i.storage_name, i.size_bytes, i.duration_ms, j.key_hex, j.key_text, j.kid_hex, j.kid_text
job sweep: expired leases, failed	UPDATE packaging_job SET status = 'FAILED', finished_at = now(), lease_owner = NULL, lease_expires_at = NULL, error_detail = 'the worker running it stopped ' || attempts || ' time(s)' WHERE status IN ('RUNNING') AND lease_expires_at < now() AND attempts >= 3
job sweep: expired leases, requeued	UPDATE packaging_job SET status = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL, error_detail = 'attempt ' || attempts || ' stopped' WHERE status IN ('RUNNING') AND lease_expires_at < now() AND attempts < 3
job sweep: running ids	SELECT id FROM packaging_job WHERE status = 'RUNNING'
job sweep: live outputs (20 folders)	SELECT output_folder FROM packaging_job WHERE output_folder = ANY(ARRAY[$folders]::varchar[])
upload sweep: expired resumable	DELETE FROM resumable_upload WHERE id IN (SELECT id FROM resumable_upload WHERE status = 'UPLOADING' AND expires_at < now() AND (lock_owner IS NULL OR locked_until < now()) LIMIT 1000 FOR UPDATE SKIP LOCKED) RETURNING id
upload sweep: unfinished resumable (20 files)	SELECT id FROM resumable_upload WHERE status = 'UPLOADING' AND id = ANY(ARRAY['a','b','c','d','e','f','g','h','i','j','k','l','m','n','o','p','q','r','s','t'])
upload sweep: stored names (20 files)	SELECT storage_name FROM input_content WHERE storage_name = ANY(ARRAY[$names]::varchar[])
(before: all stored names)	SELECT storage_name FROM input_content
GET job (SQL)	SELECT * FROM packaging_job WHERE id = $done_id
GET jobs page (SQL)	SELECT * FROM packaging_job ORDER BY id DESC LIMIT 20 OFFSET 0
GET DONE jobs page (SQL)	SELECT * FROM packaging_job WHERE status = 'DONE' ORDER BY id DESC LIMIT 20 OFFSET 0
GET inputs page (SQL)	SELECT * FROM input_content ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 0
EOF
}

# sql_ms N NAME SQL: mean latency in ms of SQL as a client sees it (pgbench, one connection, prepared, SQL_S seconds; a write
# runs in a transaction that is rolled back); appends one EXPLAIN (ANALYZE, BUFFERS) of it to $WORK/explain.N
sql_ms() {
    local n=$1 name=$2 sql=$3 out
    { echo "-- $name ($n rows)"; echo "$sql;"
      printf 'BEGIN;\nEXPLAIN (ANALYZE, BUFFERS) %s;\nROLLBACK;\n' "$sql" | psql_schema; echo; } >>"$WORK/explain.$n"
    printf 'BEGIN;\n%s;\nROLLBACK;\n' "$sql" >"$WORK/op.sql"
    out=$(PGOPTIONS="-c search_path=$SCHEMA" pgbench -n -M prepared -c 1 -T "$SQL_S" -f "$WORK/op.sql" -h localhost -U postgres \
        "$BENCH_DB" 2>&1) || die "pgbench failed on $name: $out"
    echo "$out" | awk '/^latency average/ { printf "%.3f", $4 }'
}

# http_us PATH: mean time per request in microseconds (wrk, 1 connection, HTTP_S s); fails on any error
{ printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$API_KEY"; cat <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d non2xx=%d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status))
end
EOF
} >"$WORK/auth.lua"
http_us() {
    local out="$WORK/wrk.out" line
    wrk -t1 -c1 -d"${HTTP_S}s" --timeout 30s -s "$WORK/auth.lua" "$BASE$1" >"$out" 2>&1 || die "wrk failed: $(cat "$out")"
    line=$(grep '^RESULT' "$out") || die "no RESULT from wrk: $(cat "$out")"
    echo "$line" | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        if (v["errors"] + v["non2xx"] > 0 || v["requests"] == 0) { print "ERR"; exit } printf "%.0f", v["duration_us"] / v["requests"] }'
}

HTTP_OPS=("GET /packaged_content/{id}" "GET /packaged_content (page 1)" "GET /packaged_content?status=DONE (page 1)" "GET /input_content (page 1)")
http_paths() {
    local done_id=$(($1 / 2))
    ((done_id % 100 >= 10)) || done_id=$((done_id + 10))
    printf '%s\n' "/packaged_content/$done_id" "/packaged_content?page=0&size=20" "/packaged_content?status=DONE&page=0&size=20" \
        "/input_content?page=0&size=20"
}

declare -A FIG
log "warm-up: every HTTP operation for 10 s at the small size (not counted)"
seed "$SMALL"
mapfile -t paths < <(http_paths "$SMALL")
for p in "${paths[@]}"; do HTTP_S=10 http_us "$p" >/dev/null; done

for ((round = 1; round <= ROUNDS; round++)); do
    for n in "$SMALL" "$LARGE"; do
        seed "$n"
        wait_quiet
        others_start
        rm -f "$WORK/explain.$n"
        mapfile -t paths < <(http_paths "$n")
        for i in "${!paths[@]}"; do
            v=$(http_us "${paths[$i]}")
            [[ $v != ERR ]] || die "${HTTP_OPS[$i]} answered errors at $n rows: $(cat "$WORK/wrk.out")"
            FIG["$n|${HTTP_OPS[$i]} (HTTP, µs)"]+="$v "
        done
        while IFS=$'\t' read -r name sql; do
            FIG["$n|$name (SQL, ms)"]+="$(sql_ms "$n" "$name" "$sql") "
        done < <(sql_ops "$n")
        others_stop
        log "round $round, $n rows: measured (others_s $OTHERS_CPU)"
        ROUND_OTHERS+="$OTHERS_CPU "
    done
done
cp "$WORK/explain.$LARGE" "$EXPLAIN_OUT"

echo
echo "== Cost per operation with $SMALL and with $LARGE input contents and packaging jobs ($ROUNDS rounds, median [spread])"
echo "   HTTP: mean time per request, wrk -t1 -c1 -d${HTTP_S}s; SQL: mean latency, pgbench -c1 -M prepared -T $SQL_S (BEGIN; statement; ROLLBACK)"
printf '%-52s %22s %22s %7s\n' operation "$SMALL rows" "$LARGE rows" ratio
names=()
for op in "${HTTP_OPS[@]}"; do names+=("$op (HTTP, µs)"); done
while IFS=$'\t' read -r name _; do names+=("$name (SQL, ms)"); done < <(sql_ops "$SMALL")
fmt() { # values -> "median [min-max]"
    local m
    m=$(median $1)
    echo "$m [$(printf '%s\n' $1 | sort -g | head -1)-$(printf '%s\n' $1 | sort -g | tail -1)]"
}
for name in "${names[@]}"; do
    a=${FIG["$SMALL|$name"]} b=${FIG["$LARGE|$name"]}
    r=$(ratio "$(median $b)" "$(median $a)")
    flag=""
    [[ $name == "(before"* ]] && flag="  (no longer run: for comparison)"
    printf '%-52s %22s %22s %7s%s\n' "$name" "$(fmt "$a")" "$(fmt "$b")" "$r" "$flag"
done
echo "(target: ratio <= 1.20 for each operation the service runs; others_s per measured size: $ROUND_OTHERS)"
echo "EXPLAIN (ANALYZE, BUFFERS) at $LARGE rows: $EXPLAIN_OUT"
