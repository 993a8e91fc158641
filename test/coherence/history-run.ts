import { expect } from 'bun:test'
import type { Redis } from 'ioredis'
import { checkHistory, History, type HistoryVerdict, type Observed } from '../harness/history.ts'
import { startProxy, type ProxyProcess, type Runtime } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { startTcpRelay, type RelayedConnection, type TcpRelay } from '../harness/tcp-relay.ts'
import { eventually } from '../harness/wait-for.ts'
import { directRedisClient, directWriter, proxyClient, recorded, seededRandom, type Workload } from './history-clients.ts'

/**
 * Histories of racing clients on two or three proxy processes and a program writing straight to
 * Redis, with faults injected while they run; every read is checked against what was acknowledged
 * before it was invoked (test/harness/history.ts). Times are taken in this process, around each
 * call: a loaded machine widens the windows (more values become legal), it does not fake a verdict.
 */
export const MAX_STALENESS_MS = 100
/** The bound holds on the proxy's clock from the moment a heartbeat is sent; a few ms for the time it takes to hand a local copy over. */
const SLACK_MS = 10
/** Eight keys: with three clients per proxy and a direct writer, operations on one key race all the time. */
const KEYS = Array.from({ length: 8 }, (_, i) => `history-${i}`)
const CLIENTS_PER_PROXY = 3
/** Processes to start on a loaded 2-core machine: room for it, none of it in an assertion. */
export const SLOW_MS = 60_000

export interface Deployment {
  redis: ServiceProcess
  /** The first proxy reaches Redis through this relay, so its connections can be stalled and delayed. */
  relay: TcpRelay
  proxies: { name: string; url: string; process: ProxyProcess }[]
  direct: Redis
}

export async function deploy(runtime: Runtime, count: number, env: Record<string, string>): Promise<Deployment> {
  // appendfsync always: a write acknowledged before a kill is on disk, so none may be lost across the restart.
  const redis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always'])
  const relay = await startTcpRelay(redis.port)
  const common = { MAX_STALENESS_MS: String(MAX_STALENESS_MS), LOG_LEVEL: 'warn', ...env }
  const processes = await Promise.all(
    Array.from({ length: count }, (_, i) => startProxy(runtime, { ...common, REDIS_URL: `redis://127.0.0.1:${i === 0 ? relay.port : redis.port}` }, SLOW_MS)),
  )
  const proxies = processes.map((process, i) => ({ name: `${runtime}-${String.fromCharCode(97 + i)}`, url: process.url, process }))
  await Promise.all(proxies.map((proxy) => untilReady(proxy.url)))
  return { redis, relay, proxies, direct: directRedisClient(redis.port) }
}

export async function undeploy(deployment: Deployment | undefined): Promise<void> {
  if (!deployment) return
  deployment.direct.disconnect()
  await Promise.all(deployment.proxies.map((proxy) => proxy.process.stop()))
  await deployment.relay.close()
  await deployment.redis.stop()
}

/**
 * The proxy answers /readyz with Redis up and its local tier not suspended. Whether heartbeats are
 * fresh enough to serve copies is left to the load of the machine: stale ones only send reads to Redis.
 */
function untilReady(url: string, timeoutMs = 15_000): Promise<void> {
  return eventually(
    async () => {
      const res = await fetch(`${url}/readyz`).catch(() => undefined)
      if (res?.status !== 200) return false
      const body = (await res.json()) as { tiers: { local: { suspended?: boolean } } }
      return body.tiers.local.suspended !== true
    },
    `${url} ready with its local tier in use`,
    timeoutMs,
    20,
  )
}

/** The newest relayed connection whose client sent `marker` (the subscriber sends SUBSCRIBE, the data connection CLIENT TRACKING). */
function relayed(relay: TcpRelay, marker: RegExp): RelayedConnection {
  const link = relay.connections.findLast((connection) => marker.test(connection.up.seenText))
  if (!link) throw new Error(`no relayed connection sent ${marker}`)
  return link
}

/** A fault, run while the clients run; it says what it did for the report. */
export type Fault = (deployment: Deployment, history: History) => Promise<string>

export const faults = {
  /** The subscriber's replies held with its socket open (a half-dead path), then let through. */
  stalledSubscriber: (ms: number): Fault => async ({ relay }) => {
    const link = relayed(relay, /subscribe/i)
    link.down.hold()
    await Bun.sleep(ms)
    link.down.release()
    return `subscriber stalled ${ms} ms`
  },
  /** Late segments on the data connection: replies, then requests, held a few hundred ms at a time. */
  lateSegments: (cycles: number): Fault => async ({ relay }) => {
    for (let i = 0; i < cycles; i++) {
      const link = relayed(relay, /tracking/i)
      link.down.hold()
      await Bun.sleep(200)
      link.down.release()
      await Bun.sleep(60)
      link.up.hold()
      await Bun.sleep(150)
      link.up.release()
      await Bun.sleep(60)
    }
    return `${cycles} rounds of late segments on the data connection`
  },
  flushAll: (): Fault => async ({ direct }, history) => {
    await recorded(history.flush('redis'), () => direct.flushall())
    return 'FLUSHALL'
  },
  frozenRedis: (ms: number): Fault => async ({ redis }) => {
    redis.freeze()
    await Bun.sleep(ms)
    redis.resume()
    return `Redis frozen ${ms} ms`
  },
  restartedRedis: (): Fault => async ({ redis }) => {
    await redis.kill()
    await redis.restart()
    return 'Redis killed and restarted'
  },
  /** Clients run on their own for a while. */
  quiet: (ms: number): Fault => async () => {
    await Bun.sleep(ms)
    return `${ms} ms without faults`
  },
}

interface RunResult {
  verdict: HistoryVerdict
  history: History
  /** Per key: what each proxy answered at the end, beside what Redis holds. */
  disagreements: string[]
  /**
   * Proxies that logged Redis refusing tracking: this Redis never does, so it was an answer taken for a
   * refusal, and their local copies went on without invalidations. Seen whether or not a read then hit one.
   */
  refusals: string[]
}

/** Runs the clients while the faults run one after another, then checks the history and the final state. */
export async function runHistory(deployment: Deployment, plan: Fault[], seed: number): Promise<RunResult> {
  const history = new History(KEYS)
  const random = seededRandom(seed)
  let running = true
  const workload: Workload = { history, random, running: () => running }
  const started = performance.now()
  const clients = [
    ...deployment.proxies.flatMap((proxy) => Array.from({ length: CLIENTS_PER_PROXY }, () => proxyClient(workload, proxy))),
    directWriter(workload, deployment.direct),
  ]
  const timeline: string[] = []
  try {
    for (const fault of plan) {
      const at = performance.now() - started
      timeline.push(`${at.toFixed(0)} ms: ${await fault(deployment, history)}`)
    }
  } finally {
    running = false
    await Promise.all(clients)
  }
  // Every operation is over: what Redis holds now must be a legal last value of each key.
  await Promise.all(deployment.proxies.map((proxy) => untilReady(proxy.url)))
  // The direct client fails fast while it reconnects (after a restart, for up to its 50 ms retry delay).
  await eventually(() => deployment.direct.status === 'ready', 'the direct Redis client connected again', 15_000, 10)
  const finalAt = performance.now()
  const values = await deployment.direct.mget(...KEYS)
  const final = new Map<string, Observed>(KEYS.map((key, i) => [key, values[i] ?? null]))
  const disagreements = await disagreementsWithRedis(deployment, history)
  const verdict = checkHistory(history, { boundMs: MAX_STALENESS_MS + SLACK_MS, final: { values: final, at: finalAt } })
  const localReads = history.reads.filter((read) => read.source === 'local').length
  const worst = verdict.worstRead ? ` (${verdict.worstRead.by} read ${verdict.worstRead.key} at ${(verdict.worstRead.invokedAt - started).toFixed(0)} ms, from ${verdict.worstRead.source ?? 'nowhere'})` : ''
  console.log(
    [
      `  seed ${seed}; ${timeline.join('; ')}`,
      `  measured: ${verdict.readsChecked} reads checked (${localReads} local, ${verdict.readsFailed} failed), ${history.writes.length} writes (${history.writes.filter((w) => w.outcome === 'unknown').length} of unknown outcome)`,
      `  measured: worst staleness ${verdict.worstStalenessMs.toFixed(1)} ms${worst}; ${verdict.staleReads.length} stale, ${verdict.lostWrites.length} keys lost an acknowledged write`,
    ].join('\n'),
  )
  const refusals = deployment.proxies.filter((proxy) => proxy.process.output().includes('redis refuses client tracking')).map((proxy) => proxy.name)
  return { verdict, history, disagreements, refusals }
}

/**
 * After the run, every proxy answers each key as Redis holds it. A key may expire between looking at
 * Redis and asking the proxies: then the key is looked at again.
 */
async function disagreementsWithRedis({ proxies, direct }: Deployment, history: History): Promise<string[]> {
  const disagreements: string[] = []
  for (const key of KEYS) {
    for (let attempt = 0; ; attempt++) {
      const before = await direct.get(key)
      const answers = await Promise.all(proxies.map((proxy) => finalRead(proxy, key, history)))
      const after = await direct.get(key)
      if (before !== after && attempt < 3) continue
      const wrong = answers.filter((answer) => answer.value !== after)
      disagreements.push(...wrong.map((answer) => `${answer.proxy} answers ${key} = ${answer.value} (${answer.source}), Redis holds ${after}`))
      break
    }
  }
  return disagreements
}

async function finalRead(proxy: { name: string; url: string }, key: string, history: History): Promise<{ proxy: string; value: Observed | undefined; source?: string }> {
  const read = history.read(key, proxy.name)
  const res = await fetch(`${proxy.url}/v1/keys/${encodeURIComponent(key)}`)
  const body = (await res.json()) as { value?: string; source?: string }
  const value = res.status === 200 ? body.value! : res.status === 404 ? null : undefined
  if (value === undefined) read.failed()
  else read.returned(value, body.source)
  return { proxy: proxy.name, value, source: body.source }
}

export function expectCoherent({ verdict, disagreements, refusals }: RunResult): void {
  expect(refusals).toEqual([])
  expect(verdict.impossibleReads).toEqual([])
  expect(verdict.staleReads.map(({ read, stalenessMs }) => `${read.by} read ${read.key} = ${read.value} from ${read.source}, ${stalenessMs.toFixed(1)} ms stale`)).toEqual([])
  expect(verdict.lostWrites).toEqual([])
  expect(disagreements).toEqual([])
  // The run did something: reads were checked, some of them served locally.
  expect(verdict.readsChecked).toBeGreaterThan(50)
}

export const seed = Number(process.env.HISTORY_SEED ?? Math.floor(Math.random() * 2 ** 31))

export const everyFault = (): Fault[] => [
  faults.quiet(800),
  faults.stalledSubscriber(1500),
  faults.quiet(300),
  faults.lateSegments(3),
  faults.flushAll(),
  faults.quiet(300),
  faults.frozenRedis(1500),
  faults.quiet(300),
  faults.restartedRedis(),
  faults.quiet(800),
]

