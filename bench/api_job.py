#!/usr/bin/env python3
"""bench/api_job.py: one packaging job through the API, as a program that talks HTTP itself would follow it.

Opens one keep-alive connection, then times POST /packaged_content until GET /packaged_content/{id}?wait=30 answers
200 (asking again after each 202, on the same connection). Process start-up and the connection set-up are outside
the timed span, so the figure is the service's latency, not the cost of starting a client per request (a curl
process each). Prints "ELAPSED_NS JOB_ID" and writes the final body to OUT.

With BENCH_TRACE=1 it also prints, to stderr, when each answer arrived and the job's own timestamps, in ms from the
POST (the service's clock is this machine's).
Usage: api_job.py BASE_URL AUTH_FILE INPUT_ID KEY KID OUT [EXTRA_JSON_MEMBERS]
(AUTH_FILE: the curl config with the Authorization header, as bench/lib.sh writes it.)
"""
import datetime
import http.client
import json
import os
import re
import sys
import time
import urllib.parse


def main():
    base, auth_file, input_id, key, kid, out = sys.argv[1:7]
    extra = sys.argv[7] if len(sys.argv) > 7 else ""
    with open(auth_file) as f:
        authorization = re.search(r'Authorization: ([^"]+)"', f.read()).group(1)
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    conn.connect()
    headers = {"Authorization": authorization}
    body = '{"input_content_id":%s,"key":"%s","kid":"%s"%s}' % (input_id, key, kid, ("," + extra) if extra else "")

    trace = []
    wall0 = time.time()
    t0 = time.perf_counter_ns()
    conn.request("POST", "/packaged_content", body, dict(headers, **{"Content-Type": "application/json"}))
    response = conn.getresponse()
    answer = response.read()
    if response.status != 202:
        sys.exit("POST /packaged_content answered %d: %s" % (response.status, answer.decode(errors="replace")))
    job = json.loads(answer)["packaged_content_id"]
    trace.append(("POST answered", time.perf_counter_ns()))
    deadline = time.monotonic() + 600
    while True:
        conn.request("GET", "/packaged_content/%d?wait=30" % job, headers=headers)
        response = conn.getresponse()
        answer = response.read()
        trace.append(("GET answered %d" % response.status, time.perf_counter_ns()))
        if response.status == 200:
            break
        if response.status != 202 or time.monotonic() > deadline:
            sys.exit("GET /packaged_content/%d answered %d: %s" % (job, response.status, answer.decode(errors="replace")))
    t1 = time.perf_counter_ns()
    if os.environ.get("BENCH_TRACE") == "1":
        body = json.loads(answer)
        steps = ["%s %.1f" % (what, (at - t0) / 1e6) for what, at in trace]
        for field in ("created_at", "started_at", "finished_at"):
            if body.get(field):
                at = datetime.datetime.fromisoformat(body[field].replace("Z", "+00:00")).timestamp()
                steps.append("%s %.1f" % (field, (at - wall0) * 1e3))
        extra = []
        for _ in range(int(os.environ.get("BENCH_TRACE_GETS", "5"))):
            g0 = time.perf_counter_ns()
            conn.request("GET", "/packaged_content/%d" % job, headers=headers)
            r = conn.getresponse()
            r.read()
            extra.append("%.1f" % ((time.perf_counter_ns() - g0) / 1e6))
        steps.append("GET of the DONE job again (last 5): " + " ".join(extra[-5:]) + " ms")
        print("trace: POST sent at %s, " % datetime.datetime.fromtimestamp(wall0).strftime("%H:%M:%S.%f")[:-3] + ", ".join(steps), file=sys.stderr)
    with open(out, "wb") as f:
        f.write(answer)
    print(t1 - t0, job)


if __name__ == "__main__":
    main()
