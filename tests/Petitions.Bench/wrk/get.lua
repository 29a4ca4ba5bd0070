-- A GET for wrk that reports in one line: "BENCH key=value ..." (latencies in milliseconds).
-- Answers of 400 or more count as errors (wrk's status errors), as do socket errors and timeouts.
--
--   wrk -t2 -c32 -d20s --timeout 10s -s get.lua http://127.0.0.1:PORT/PATH

function done(summary, latency, requests)
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d non2xx=%d socket_errors=%d timeouts=%d seconds=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f bytes=%d\n",
      summary.requests, e.status, e.connect + e.read + e.write, e.timeout, seconds,
      (summary.requests - e.status) / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000, summary.bytes))
end
