import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import memjs from 'memjs'
import type { Runtime } from '../harness/proxy-process.ts'
import { startMemcached, type ServiceProcess } from '../harness/service-process.ts'
import { deploy, everyFault, expectCoherent, runHistory, seed, SLOW_MS, undeploy, type Deployment } from './history-run.ts'

/**
 * The history runs one runtime must pass: proxies with memory tiers (`memoryProxies` of them, a
 * direct writer beside them) and two proxies sharing one Memcached, each through every fault.
 * `seedOffset` keeps the runs of one seed apart (HISTORY_SEED replays them all).
 */
export function describeHistories(runtime: Runtime, memoryProxies: number, seedOffset: number): void {
  const name = runtime === 'bun' ? 'Bun' : 'Node'

  describe(`histories on ${name}, memory tiers: ${memoryProxies} proxies, a direct writer, every fault`, () => {
    let deployment: Deployment | undefined
    beforeAll(async () => {
      deployment = await deploy(runtime, memoryProxies, { LOCAL_CACHE: 'memory' })
    }, SLOW_MS)
    afterAll(() => undeploy(deployment))

    test('no read staler than the bound, no acknowledged write lost, every instance agrees with Redis', async () => {
      expectCoherent(await runHistory(deployment!, everyFault(), seed + seedOffset))
    }, SLOW_MS)
  })

  describe(`histories on ${name}, one shared Memcached`, () => {
    let deployment: Deployment | undefined
    let memcached: ServiceProcess | undefined
    let otherApplication: memjs.Client | undefined
    beforeAll(async () => {
      memcached = await startMemcached()
      otherApplication = memjs.Client.create(`127.0.0.1:${memcached.port}`, { retries: 0, timeout: 1, logger: { log: () => {} } })
      await otherApplication.set('other-app:session', 'theirs', { expires: 0 })
      deployment = await deploy(runtime, 2, { LOCAL_CACHE: 'memcached', MEMCACHED_SERVERS: `127.0.0.1:${memcached.port}` })
    }, SLOW_MS)
    afterAll(async () => {
      otherApplication?.close()
      await undeploy(deployment)
      await memcached?.stop()
    })

    test("the same faults: coherent, and another application's Memcached key survives them all", async () => {
      expectCoherent(await runHistory(deployment!, everyFault(), seed + seedOffset + 1))
      expect((await otherApplication!.get('other-app:session')).value?.toString()).toBe('theirs')
    }, SLOW_MS)
  })
}
