-- A read/write mix over `count` keys through /v1: wrk ... -s mixed.lua -- <count> <write percent> <key prefix>
-- A write percent of 100 makes it a pure PUT load.
local count, writes, body, prefix
local headers = { ["Content-Type"] = "application/json" }

-- Each wrk thread gets its own id, hence its own random sequence.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  count = tonumber(args[1] or "10000")
  writes = tonumber(args[2] or "10")
  prefix = "/v1/keys/" .. (args[3] or "bench:")
  body = '{"value":"' .. string.rep("w", 100) .. '"}'
  math.randomseed(os.time() * 100 + id)
end

function request()
  local path = prefix .. math.random(0, count - 1)
  if math.random(1, 100) <= writes then
    return wrk.format("PUT", path, headers, body)
  end
  return wrk.format("GET", path)
end

-- One JSON line for bench/wrk.ts: latencies in microseconds, errors by kind.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"badStatus":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status))
end
