import { Hono } from 'hono'
import { Redis } from 'ioredis'
import memjs from 'memjs'
import { securedJson } from '../src/http/security-headers.ts'
import { serve } from '../src/server/http-server.ts'

/**
 * The yardsticks the proxy is measured against, each a bare Hono app in its own process on the
 * same runtime and the same server adapter as the proxy: `ceiling` answers a small JSON, `ioredis`
 * does one GET (auto-pipelining on, as the proxy), `memjs` one get. For bench/pieces.ts: `value`
 * answers a local hit's body from a Map, `value-headers` the same with the proxy's headers.
 */

const kind = process.env.BARE_KIND
const port = Number(process.env.PORT)

function ceiling() {
  return new Hono().get('/', (c) => c.json({ status: 'ok' }))
}

function withIoredis() {
  const redis = new Redis(process.env.REDIS_URL!, { enableAutoPipelining: true })
  redis.on('error', () => {})
  return new Hono().get('/', async (c) => {
    const key = c.req.query('key')!
    const value = await redis.get(key)
    return value === null ? c.json({ key }, 404) : c.json({ key, value })
  })
}

function withMemjs() {
  const client = memjs.Client.create(process.env.MEMCACHED_SERVERS, { retries: 0, timeout: 0.25, keepAlive: true, logger: { log: () => {} } })
  return new Hono().get('/', async (c) => {
    const key = c.req.query('key')!
    const { value } = await client.get(key)
    return value === null ? c.json({ key }, 404) : c.json({ key, value: value.toString('utf8') })
  })
}

/**
 * What the proxy answers on a `/v1` local hit, from a Map of 10,000 values: with `headers`, built as
 * the proxy builds it (securedJson: the security headers, then ETag, Cache-Control and X-Cache).
 */
function withValues(headers: boolean) {
  const values = new Map(Array.from({ length: 10_000 }, (_, i) => [`bench:${i}`, 'v'.repeat(100)]))
  const extra = { ETag: '"Ir_cxqo7wvBF0wQt"', 'Cache-Control': 'private, no-cache', 'X-Cache': 'local' }
  return new Hono().get('/', (c) => {
    const key = c.req.query('key')!
    const value = values.get(key)
    if (value === undefined) return c.json({ key }, 404)
    return headers ? securedJson({ key, value, source: 'local' }, 200, undefined, extra) : c.json({ key, value, source: 'local' })
  })
}

const app = kind === 'value' ? withValues(false) : kind === 'value-headers' ? withValues(true) : kind === 'ceiling' ? ceiling() : kind === 'ioredis' ? withIoredis() : kind === 'memjs' ? withMemjs() : undefined
if (!app) {
  process.stderr.write(`BARE_KIND must be ceiling, ioredis, memjs, value or value-headers, not ${kind}\n`)
  process.exit(2)
}
await serve({ fetch: app.fetch, host: '127.0.0.1', port })
process.stdout.write('listening\n')
// Exit on SIGTERM, so that a profiler (--cpu-prof) writes its file.
process.on('SIGTERM', () => process.exit(0))
