-- A read/write mix over `count` keys through /v1: wrk ... -s mixed.lua -- <count> <write percent> <key prefix>
-- A write percent of 100 makes it a pure PUT load.
local count, writes, body, prefix
local headers = { ["Content-Type"] = "application/json" }

-- setup (a thread id each) and done (the result line): shared with the other scripts.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

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
