import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Redis } from 'ioredis'
import { appFixture, localTierFor, redisInspector, type AppFixture } from '../harness/cache-fixtures.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { eventually } from '../harness/wait-for.ts'

/** REDIS_MIN_REPLICAS on real servers: a master alone, and a master with one replica that freezes. */

const SLOW_MS = 30_000
/** REDIS_TIMEOUT_MS: WAIT gives up after half of it. Generous: a loaded machine can delay a replica's ACK by hundreds of ms. */
const TIMEOUT_MS = 3000

const put = async (proxy: AppFixture, key: string, value: string): Promise<Response> =>
  proxy.app.request(`/v1/keys/${encodeURIComponent(key)}`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ value }) })
const get = (proxy: AppFixture, key: string) => proxy.app.request(`/v1/keys/${encodeURIComponent(key)}`)
const seedSet = (proxy: AppFixture, pairs: Record<string, string>) =>
  proxy.app.request('/set', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(pairs) })
const del = (proxy: AppFixture, key: string) => proxy.app.request(`/v1/keys/${encodeURIComponent(key)}`, { method: 'DELETE' })

async function expectUnconfirmed(response: Response): Promise<void> {
  expect(response.status).toBe(503)
  expect(response.headers.get('Retry-After')).toBeTruthy()
  const { error } = (await response.json()) as { error: { code: string; message: string } }
  expect(error.code).toBe('not_replicated')
  expect(error.message).toContain('outcome is unknown')
  expect(error.message).toContain('0 of the 1 replicas')
}

describe('REDIS_MIN_REPLICAS=1 on a master without a replica', () => {
  let master: ServiceProcess
  let proxy: AppFixture
  let inspector: Redis
  beforeAll(async () => {
    master = await startRedis()
    inspector = redisInspector(master)
    proxy = appFixture(master, localTierFor('memory'), { env: { REDIS_MIN_REPLICAS: '1', REDIS_TIMEOUT_MS: String(TIMEOUT_MS) } })
    await eventually(async () => (await proxy.proxy.probeReadiness()).ready, 'ready: both connections answer', 10_000, 20)
  })
  afterAll(async () => {
    await proxy?.close()
    inspector?.disconnect()
    await master?.stop()
  })

  test('every kind of write answers 503 not_replicated, outcome unknown; reads answer as usual', async () => {
    await inspector.set('present', 'from-before')
    const started = performance.now()
    const [putAnswer, setAnswer, deleteAnswer] = await Promise.all([put(proxy, 'k', 'v'), seedSet(proxy, { s: 'v' }), del(proxy, 'present')])
    // WAIT gave up at its own timeout, once for the three: they share it.
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS / 2 - 5)
    for (const answer of [putAnswer, setAnswer, deleteAnswer]) await expectUnconfirmed(answer)
    // The writes reached the master: that is why their outcome is unknown.
    expect(await inspector.mget('k', 's', 'present')).toEqual(['v', 'v', null])
    const read = await get(proxy, 'k')
    expect(read.status).toBe(200)
    expect(((await read.json()) as { value: string }).value).toBe('v')
  }, SLOW_MS)

  test('reads are not held behind a WAIT that blocks the write connection', async () => {
    await inspector.set('quick', 'q')
    const writes = Array.from({ length: 5 }, (_, i) => put(proxy, `blocked-${i}`, 'v'))
    const readStarted = performance.now()
    const read = await proxy.app.request('/v1/keys/quick', { headers: { 'Cache-Control': 'no-cache' } })
    const readMs = performance.now() - readStarted
    expect(read.status).toBe(200)
    // A read on the write connection would wait for WAIT's timeout (1.5 s) at least.
    expect(readMs).toBeLessThan(TIMEOUT_MS / 4)
    for (const response of await Promise.all(writes)) expect(response.status).toBe(503)
  }, SLOW_MS)
})

describe('REDIS_MIN_REPLICAS=1 on a master with one replica', () => {
  let master: ServiceProcess
  let replica: ServiceProcess
  let proxy: AppFixture
  let replicaInspector: Redis
  beforeAll(async () => {
    master = await startRedis(['--repl-diskless-sync-delay', '0'])
    replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)])
    replicaInspector = redisInspector(replica)
    const masterInspector = redisInspector(master)
    // After a diskless sync the master counts a replica only from its first ACK (up to a second later).
    await eventually(async () => /slave0:.*state=online/.test(await masterInspector.info('replication')), 'the replica online for its master', 10_000, 25)
    masterInspector.disconnect()
    proxy = appFixture(master, localTierFor('memory'), { env: { REDIS_MIN_REPLICAS: '1', REDIS_TIMEOUT_MS: String(TIMEOUT_MS) } })
    await eventually(async () => (await proxy.proxy.probeReadiness()).ready, 'ready: both connections answer', 10_000, 20)
  }, SLOW_MS)
  afterAll(async () => {
    replica?.resume()
    await proxy?.close()
    replicaInspector?.disconnect()
    await Promise.all([replica?.stop(), master?.stop()])
  })

  test('a write answered 200 is on the replica already; with the replica frozen, 503 until it is back', async () => {
    const concurrent = await Promise.all(Array.from({ length: 20 }, (_, i) => put(proxy, `durable-${i}`, `v${i}`)))
    for (const response of concurrent) expect(response.status).toBe(200)
    expect(await replicaInspector.mget(...Array.from({ length: 20 }, (_, i) => `durable-${i}`))).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`))
    expect((await del(proxy, 'durable-0')).status).toBe(200)
    expect(await replicaInspector.exists('durable-0')).toBe(0)

    replica.freeze()
    await expectUnconfirmed(await put(proxy, 'while-frozen', 'v'))
    replica.resume()
    await eventually(async () => (await put(proxy, 'after-thaw', 'v')).status === 200, 'writes confirmed again', 10_000, 50)
    expect(await replicaInspector.get('after-thaw')).toBe('v')
  }, SLOW_MS)
})
