-- GET a random key out of `count`: wrk ... -s get.lua -- <path prefix> <count>
-- e.g. "/?key=bench:" or "/v1/keys/bench:"; the bare servers read the same `?key=`.
local prefix, count

-- Each wrk thread gets its own id, hence its own random sequence.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  prefix = args[1] or "/?key=bench:"
  count = tonumber(args[2] or "10000")
  math.randomseed(os.time() * 100 + id)
end

function request()
  return wrk.format("GET", prefix .. math.random(0, count - 1))
end

-- One JSON line for bench/wrk.ts: latencies in microseconds, errors by kind.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"badStatus":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status))
end
