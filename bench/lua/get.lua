-- GET a random key out of `count`: wrk ... -s get.lua -- <path prefix> <count>
-- e.g. "/?key=bench:" or "/v1/keys/bench:"; the bare servers read the same `?key=`.
local prefix, count

-- setup (a thread id each) and done (the result line): shared with the other scripts.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function init(args)
  prefix = args[1] or "/?key=bench:"
  count = tonumber(args[2] or "10000")
  math.randomseed(os.time() * 100 + id)
end

function request()
  return wrk.format("GET", prefix .. math.random(0, count - 1))
end
