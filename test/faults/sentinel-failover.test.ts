import { afterEach, describe, expect, test } from 'bun:test'
import { Redis } from 'ioredis'
import { startProxy, type ProxyProcess, type Runtime, SHIPPED_STALENESS_BOUND } from '../harness/proxy-process.ts'
import { startRedisSentinelSet, SENTINEL_MASTER_NAME, type RedisSentinelSet } from '../harness/redis-sentinel.ts'
import { startWriteLoad } from '../harness/write-load.ts'
import { eventually } from '../harness/wait-for.ts'
import { cacheLocally, msUntilFresh, readKey, writeKey } from '../coherence/key-client.ts'

/**
 * The master of a Sentinel set (1 master, 2 replicas, 3 sentinels, down-after 1 s) killed under a
 * steady write load through the real proxy process, with REDIS_MIN_REPLICAS=1.
 */

const SLOW_MS = 45_000
/** The promise: writes resume within 5 s of the master's death. */
const RESUME_BOUND_MS = 5000

let set: RedisSentinelSet | undefined
let proxy: ProxyProcess | undefined
afterEach(async () => {
  await proxy?.stop()
  await set?.stop()
  proxy = undefined
  set = undefined
})

async function readyz(url: string): Promise<{ status: number; suspended: boolean | undefined }> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) })
    const body = (await res.json()) as { tiers?: { local?: { suspended?: boolean } } }
    return { status: res.status, suspended: body.tiers?.local?.suspended }
  } catch {
    return { status: -1, suspended: undefined }
  }
}

async function failover(runtime: Runtime): Promise<void> {
  set = await startRedisSentinelSet()
  proxy = await startProxy(runtime, {
    ...SHIPPED_STALENESS_BOUND,
    REDIS_SENTINELS: set.sentinelList,
    REDIS_SENTINEL_MASTER: SENTINEL_MASTER_NAME,
    REDIS_MIN_REPLICAS: '1',
    LOCAL_CACHE: 'memory',
  })
  const { url } = proxy
  await eventually(async () => (await readyz(url)).status === 200, 'the proxy ready', 10_000, 50)

  // A local copy from before the failover: it must not outlive the switch.
  await writeKey(proxy, 'held-across', 'before')
  await cacheLocally(proxy, 'held-across', 'before')

  const load = startWriteLoad(url, { prefix: `sentinel-${runtime}` })
  const probes: { at: number; status: number; suspended: boolean | undefined }[] = []
  let probing = true
  const prober = (async () => {
    while (probing) {
      probes.push({ at: performance.now(), ...(await readyz(url)) })
      await Bun.sleep(50)
    }
  })()
  await eventually(() => load.attempts.filter((a) => a.status === 200).length >= 20, 'writes acknowledged before the kill', 10_000, 10)

  const oldMaster = await set.masterPort()
  const killedAt = performance.now()
  await set.node(oldMaster).kill()
  await eventually(() => load.firstAcknowledgedAfter(killedAt) !== undefined, 'a write acknowledged after the kill', 15_000, 20).catch(async (error: unknown) => {
    const refusals = load.attempts.filter((a) => a.startedAt > killedAt && a.status !== 200).slice(-3)
    const log = proxy!.output().split('\n').filter((line) => !line.includes('"msg":"request"')).slice(-25).join('\n')
    throw new Error(`${String(error)}; ${await set!.describe()}; last refusals ${JSON.stringify(refusals)}\n${log}`)
  })
  const resumedMs = load.firstAcknowledgedAfter(killedAt)! - killedAt
  // Some more load on the new master, then stop.
  await Bun.sleep(1000)
  const { acknowledged, attempts, staleReads } = await load.stop()
  probing = false
  await prober

  const newMaster = await set.masterPort()
  expect(newMaster).not.toBe(oldMaster)
  const inspector = new Redis({ port: newMaster, host: '127.0.0.1', protocol: 2 })
  inspector.on('error', () => {})
  try {
    // Not one acknowledged write is missing on the new master.
    const keys = [...acknowledged.keys()]
    const found: (string | null)[] = []
    for (let i = 0; i < keys.length; i += 500) found.push(...(await inspector.mget(...keys.slice(i, i + 500))))
    const missing = keys.filter((key, i) => found[i] !== acknowledged.get(key))
    const refused = attempts.filter((a) => a.status !== 200)
    console.log(
      `sentinel failover (${runtime}): writes resumed ${Math.round(resumedMs)} ms after the master's SIGKILL; ` +
        `${acknowledged.size} acknowledged writes, ${missing.length} missing on the new master; ${refused.length} refused (${[...new Set(refused.map((a) => a.code ?? a.status))].join(', ')})`,
    )
    expect(missing).toEqual([])
    expect(acknowledged.size).toBeGreaterThan(20)
    expect(resumedMs).toBeLessThan(RESUME_BOUND_MS)
    expect(staleReads).toEqual([])

    // Readiness said so while the master was gone, and is back to ready with the local tier in use.
    expect(probes.some((p) => p.at > killedAt && (p.status !== 200 || p.suspended === true))).toBe(true)
    await eventually(async () => {
      const now = await readyz(url)
      return now.status === 200 && now.suspended === false
    }, 'ready again with the local tier in use', 10_000, 50)

    // The local tier was cleared before it served again: the old copy comes from Redis first.
    expect(await readKey(proxy, 'held-across')).toMatchObject({ value: 'before', source: 'redis' })
    // Tracking follows the master: a write straight to the new master reaches the proxy's local copy.
    await cacheLocally(proxy, 'held-across', 'before')
    await inspector.set('held-across', 'after')
    expect(await msUntilFresh(proxy, 'held-across', (x) => x.value === 'after', 3000)).toBeLessThan(1000)
  } finally {
    inspector.disconnect()
  }
  expect(proxy.output()).toContain('local tier suspended until invalidations flow again')
}

describe('Redis Sentinel: the master killed under write load', () => {
  test('on Bun: writes resume within 5 s, no stale read, no acknowledged write lost', () => failover('bun'), SLOW_MS)
  test('on Node: the same', () => failover('node'), SLOW_MS)
})
