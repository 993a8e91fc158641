-- What get.lua and mixed.lua share; each loads it with dofile from its own directory.

-- Each wrk thread gets its own id, hence its own random sequence (math.randomseed(... + id) in init).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

-- One JSON line for bench/wrk.ts: latencies in microseconds, errors by kind.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"badStatus":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status))
end
