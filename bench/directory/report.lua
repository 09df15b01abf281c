-- Shared by the scenario scripts: seeds each thread's random numbers and prints one
-- machine-readable line at the end, which run.sh turns into the summary table.
-- wrk gives every thread its own Lua state; setup() runs in the main one.

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("thread_no", counter)
   table.insert(threads, thread)
end

function seed_random()
   -- thread_no is set by setup() before init() runs in the thread.
   math.randomseed(os.time() * 1000 + (thread_no or 0) * 7919)
   for _ = 1, 10 do math.random() end
end

function done(summary, latency, requests)
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "BENCH_RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      e.status, e.connect, e.read, e.write, e.timeout))
end
