# bench/upload-s3.sh: the S3 mode of bench/upload.sh (STORAGE_KIND=s3), sourced by it after the media are made.
#
# Starts S3Proxy (the jar the build copies to target/s3proxy/s3proxy.jar, filesystem backend under $BENCH_S3_DIR) on
# S3_PORT and the service with storage kind s3 against it, then in one run, REPS times:
#   a plain `curl -T` PUT of the 1 GiB file straight to the same S3 server (AWS SigV4, one request) vs the upload to
#   the service (which streams it into the bucket in vodpack.storage.s3.part-size parts): MiB/s of each, the ratio
#   (target >= 0.8x), the service's CPU-s/GiB and its VmRSS growth (peak during - before; target <= 64 MiB);
# then the 256 MiB file as a tus upload in 8 MiB and 64 MiB PATCH requests vs the single request.
# S3Proxy's own CPU time is not counted for either side; both pay it.
S3_PORT=${S3_PORT:-$((PORT + 3))}
S3_DIR=${BENCH_S3_DIR:-/tmp/bench-s3}
S3_JAR=$REPO/target/s3proxy/s3proxy.jar
S3_BUCKET=vodpack-bench
S3_KEY=bench-access
S3_SECRET=bench-secret-0123456789abcdef
[[ -f $S3_JAR ]] || die "no $S3_JAR: run ./mvnw -B -q package -DskipTests first"
[[ -z ${VODPACK_URL:-} ]] || die "STORAGE_KIND=s3 starts its own service and S3 server: unset VODPACK_URL"

rm -rf "$S3_DIR"
mkdir -p "$S3_DIR/data"
cat >"$S3_DIR/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_KEY
s3proxy.credential=$S3_SECRET
jclouds.provider=filesystem
jclouds.filesystem.basedir=$S3_DIR/data
CONF
java -Xmx512m -jar "$S3_JAR" --properties "$S3_DIR/s3proxy.conf" >"$WORK/s3proxy.log" 2>&1 &
S3_PID=$!
# stop_all (the service, the schema, the work folder) runs whatever the S3 server's exit status
trap 'rc=$?; set +e; kill "$S3_PID" 2>/dev/null; wait "$S3_PID" 2>/dev/null; rm -rf "$S3_DIR"; (exit $rc); stop_all' EXIT
S3="http://127.0.0.1:$S3_PORT"
for ((i = 0; i < 300; i++)); do curl -s -o /dev/null "$S3/" 2>/dev/null && break; sleep 0.1; done
S3_AUTH=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_KEY:$S3_SECRET" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')
curl -fsS -o /dev/null -X PUT "${S3_AUTH[@]}" "$S3/$S3_BUCKET" || die "could not create bucket $S3_BUCKET"

export VODPACK_STORAGE_KIND=s3 VODPACK_STORAGE_S3_ENDPOINT=$S3 VODPACK_STORAGE_S3_BUCKET=$S3_BUCKET \
    AWS_ACCESS_KEY_ID=$S3_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET
start_service
[[ -n $SVC_PID ]] || die "no service pid"

# s3_put FILE: one PUT straight to the S3 server; prints its wall time in ns
s3_put() {
    local t0 t1 code
    t0=$(now_ns)
    code=$(curl -sS -o /dev/null -w '%{http_code}' -T "$1" -H 'Expect:' "${S3_AUTH[@]}" "$S3/$S3_BUCKET/direct-put.mp4")
    t1=$(now_ns)
    [[ $code == 200 ]] || die "the S3 server answered $code to a PUT"
    curl -sS -o /dev/null -X DELETE "${S3_AUTH[@]}" "$S3/$S3_BUCKET/direct-put.mp4"
    echo $((t1 - t0))
}

for ((i = 0; i < ${WARMUP_GIB:-2}; i++)); do
    log "warm-up upload $((i + 1))"
    res=$(upload "$BIG")
    delete_input "${res%% *}"
done
s3_put "$MID" >/dev/null

echo
echo "== Single upload of $(kib_to_mib $((BIG_BYTES / 1024))) MiB ($BIG_BYTES bytes) into an S3 bucket (S3Proxy), $REPS clean runs"
printf '%-6s %10s %10s %7s %8s %10s %9s %9s %8s\n' run put_MiB/s svc_MiB/s ratio svc_cpu rss_before rss_peak \
    rss_growth others_s
up_rates=() put_rates=() ratios=() svc_cpus=() growths=()
for ((attempt = 1; ${#ratios[@]} < REPS && attempt <= 2 * REPS; attempt++)); do
    wait_quiet
    others_start
    put_ns=$(s3_put "$BIG")
    rss_before=$(rss_kib "$SVC_PID")
    rss_sampler_start
    c0=$(cpu_ticks "$SVC_PID")
    res=$(upload "$BIG")
    c1=$(cpu_ticks "$SVC_PID")
    id=${res%% *} up_ns=${res##* }
    sleep 1
    rss_sampler_stop
    others_stop
    delete_input "$id"
    up=$(mibps "$BIG_BYTES" "$up_ns") put=$(mibps "$BIG_BYTES" "$put_ns")
    svc_cpu=$(cpu_per_gib $((c1 - c0)) "$BIG_BYTES")
    rt=$(ratio "$up" "$put") growth=$(kib_to_mib $((RSS_PEAK - rss_before)))
    note=""
    if is_clean; then
        up_rates+=("$up") put_rates+=("$put") ratios+=("$rt") svc_cpus+=("$svc_cpu") growths+=("$growth")
    else
        note="  (skewed by other processes: not counted)"
    fi
    printf '%-6s %10s %10s %7s %8s %10s %9s %9s %8s%s\n' "$attempt" "$put" "$up" "$rt" "$svc_cpu" \
        "$(kib_to_mib "$rss_before")" "$(kib_to_mib "$RSS_PEAK")" "$growth" "$OTHERS_CPU" "$note"
done
((${#ratios[@]} > 0)) || die "no clean run: other processes kept the machine busy"
printf '%-6s %10s %10s %7s %8s %10s %9s %9s\n' median "$(median "${put_rates[@]}")" "$(median "${up_rates[@]}")" \
    "$(median "${ratios[@]}")" "$(median "${svc_cpus[@]}")" "" "" "$(median "${growths[@]}")"
echo "(medians of the ${#ratios[@]} clean runs; put: one curl -T PUT straight to the S3 server; svc_cpu: CPU-s per GiB of"
echo " the service's JVM; rss in MiB of VmRSS; others_s: CPU seconds other users' processes took during the run)"
echo "targets: MiB/s >= 0.8x the direct PUT -> $(median "${ratios[@]}"); RSS growth <= 64 MiB -> max\
 $(printf '%s\n' "${growths[@]}" | sort -g | tail -1) MiB"

echo
echo "== Resumable (tus) upload of $(kib_to_mib $((MID_BYTES / 1024))) MiB into the bucket vs the single request, same run"
printf '%-34s %10s %12s %8s\n' "" wall_s MiB/s ratio
res=$(upload "$MID"); single_id=${res%% *} single_ns=${res##* }
res=$(tus_upload "$MID" $((8 * 1024 * 1024))); tus8_id=${res%% *} tus8_ns=${res##* }
res=$(tus_upload "$MID" $((64 * 1024 * 1024))); tus64_id=${res%% *} tus64_ns=${res##* }
for id in "$single_id" "$tus8_id" "$tus64_id"; do delete_input "$id"; done
single=$(mibps "$MID_BYTES" "$single_ns")
printf '%-34s %10s %12s %8s\n' "single request (POST)" "$(secs "$single_ns")" "$single" 1.00
for c in 8 64; do
    var=tus${c}_ns
    rate=$(mibps "$MID_BYTES" "${!var}")
    printf '%-34s %10s %12s %8s\n' "tus, $c MiB PATCH requests" "$(secs "${!var}")" "$rate" "$(ratio "$rate" "$single")"
done
echo "(tus into a bucket hashes with a SHA-256 whose state is saved with each offset: plain Java, slower than the JDK's)"
