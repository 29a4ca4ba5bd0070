-- Unique JSON sign-ons for wrk, one connection per thread (run wrk with -t N -c N).
--
--   wrk -t32 -c32 -d30s --timeout 10s -s signon.lua http://127.0.0.1:PORT -- PATH TAG LOGDIR
--
-- PATH: /api/petitions/SLUG/signatures (the app) or /sign (the baseline). TAG makes this run's
-- organisations and emails unique among runs; thread id + counter make each request unique.
-- Every request answered 202 has its email appended to LOGDIR/ack-TAG-THREAD.log (flushed each
-- time), so a crash check can prove that nothing acknowledged was lost. With one connection per
-- thread, wrk sends a thread's next request only after the previous answer (or after the
-- connection failed), so the answer in response() is always to the request built last.
-- done() prints one line: "BENCH key=value ..." (latencies in milliseconds).

local counter = 1
local threads = {}

function setup(thread)
   thread:set("id", counter)
   table.insert(threads, thread)
   counter = counter + 1
end

local countries = { "NL", "DE", "FR", "BE", "ES", "IT", "PL", "GB", "KE", "BR" }
local cities = { "Utrecht", "Berlin", "Lyon", "Gent", "Madrid", "Roma", "Warszawa", "Leeds", "Nairobi", "Recife" }

function init(args)
   path = args[1]
   tag = args[2]
   logdir = args[3]
   n = 0
   accepted = 0
   other = 0
   current = nil
   log = io.open(string.format("%s/ack-%s-%d.log", logdir, tag, id), "a")
end

function request()
   n = n + 1
   local k = (id + n) % #countries + 1
   local domain = string.format("%s-t%d.bench.example.org", tag, id)
   current = string.format("s%dx%d@%s", id, n, domain)
   local body = string.format(
      '{"organisation":"Bench Signatory %s T%d N%d","city":"%s","country":"%s","contactName":"Bench Person %d",' ..
      '"contactRole":"Director","contactEmail":"%s","website":"https://%s","comment":"Signed by the benchmark.","consent":true}',
      tag, id, n, cities[k], countries[k], n, current, domain)
   return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
   if status == 202 then
      accepted = accepted + 1
      if current ~= nil then
         log:write(current, "\n")
         log:flush()
      end
   else
      other = other + 1
   end
   current = nil
end

function done(summary, latency, requests)
   local ok, non202 = 0, 0
   for _, thread in ipairs(threads) do
      ok = ok + thread:get("accepted")
      non202 = non202 + thread:get("other")
   end
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d ok=%d non202=%d socket_errors=%d timeouts=%d seconds=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
      summary.requests, ok, non202, e.connect + e.read + e.write, e.timeout, seconds, ok / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
