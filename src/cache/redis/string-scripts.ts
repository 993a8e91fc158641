import type { Cluster, Redis } from 'ioredis'

/**
 * Lua scripts for what Redis has no single command for: each checks the keys' types and acts in the
 * same atomic step, so a key of another type (a list, a hash…) is refused before anything changes.
 * Answers are numbers, not error replies, so that no message has to be parsed.
 */

/**
 * KEYS: the keys (distinct); ARGV[1]: expiry in seconds (0 = none); ARGV[1 + i]: the value of KEYS[i].
 * Answers {0, existed_1, …, existed_n} when every key was written, {i} when KEYS[i] holds another type
 * (nothing written).
 */
const SET_MANY = `
local existed = {0}
for i, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key).ok
  if kind == 'string' then existed[i + 1] = 1
  elseif kind == 'none' then existed[i + 1] = 0
  else return {i} end
end
local ttl = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  if ttl > 0 then redis.call('SET', key, ARGV[i + 1], 'EX', ttl) else redis.call('SET', key, ARGV[i + 1]) end
end
return existed
`

/**
 * KEYS: the keys. Answers {0, value_1, pttl_1, …, value_n, pttl_n} (a missing key: nil and -2), or {i}
 * when KEYS[i] holds another type. One command instead of 2n: ioredis' cost per command dominated a
 * pipelined GET and PTTL per key (~5 × slower for 1000 keys). Values and expiries are of one instant.
 */
const GET_MANY = `
local out = {0}
for i, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key).ok
  if kind == 'string' then
    out[2 * i] = redis.call('GET', key)
    out[2 * i + 1] = redis.call('PTTL', key)
  elseif kind == 'none' then
    out[2 * i] = false
    out[2 * i + 1] = -2
  else return {i} end
end
return out
`

/** KEYS[1]: the key. Answers 1 deleted, 0 absent, -1 another type (left alone). */
const DELETE_STRING = `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'none' then return 0 end
if kind ~= 'string' then return -1 end
return redis.call('DEL', KEYS[1])
`

/** KEYS[1]: the key. Answers its PTTL (-1 no expiry, -2 absent), or -3 when it holds another type. */
const STRING_PTTL = `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind ~= 'none' and kind ~= 'string' then return -3 end
return redis.call('PTTL', KEYS[1])
`

/** The scripts as methods of the client (ioredis sends EVALSHA, and EVAL once per connection). */
export interface StringScripts {
  proxyGetManyBuffer(numberOfKeys: number, ...keys: string[]): Promise<(Buffer | number | null)[]>
  proxySetMany(numberOfKeys: number, ...keysThenArgs: (string | Buffer | number)[]): Promise<number[]>
  proxyDeleteString(key: string): Promise<number>
  proxyStringPttl(key: string): Promise<number>
}

export const WRONG_TYPE_DELETE = -1
export const WRONG_TYPE_PTTL = -3

/** Defines the scripts on `client` (idempotent) and returns it typed with them. */
export function withStringScripts<Client extends Redis | Cluster>(client: Client): Client & StringScripts {
  client.defineCommand('proxyGetMany', { lua: GET_MANY, readOnly: true })
  client.defineCommand('proxySetMany', { lua: SET_MANY })
  client.defineCommand('proxyDeleteString', { lua: DELETE_STRING, numberOfKeys: 1 })
  client.defineCommand('proxyStringPttl', { lua: STRING_PTTL, numberOfKeys: 1, readOnly: true })
  return client as Client & StringScripts
}
