import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startProxy } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

/** The crash-loop stop on real processes: workers killed as soon as they serve. */
const SLOW_MS = 120_000

let redis: ServiceProcess
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(() => redis.stop())

test(
  'WORKERS=2 on bun: workers killed one after another are replaced after a back-off, until the fifth death stops the primary with exit 1',
  async () => {
    const proxy = await startProxy('bun', { REDIS_URL: `redis://127.0.0.1:${redis.port}`, WORKERS: '2' }, 30_000)
    try {
      const exited = new Promise<number | null>((resolve) => proxy.child.once('exit', (code) => resolve(code)))
      let code: number | null | undefined
      void exited.then((exitCode) => (code = exitCode))
      const killed = new Set<number>()
      const deadline = Date.now() + 100_000
      while (code === undefined && Date.now() < deadline) {
        const serving = proxy
          .output()
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { msg: string; pid?: number })
          .filter((line) => line.msg === 'worker listening')
          .map((line) => line.pid!)
        for (const pid of serving) {
          if (killed.has(pid)) continue
          killed.add(pid)
          process.kill(pid, 'SIGKILL')
        }
        await Bun.sleep(20)
      }
      expect(await exited).toBe(1)
      expect(killed.size).toBe(5)
      const lines = proxy.output().trim().split('\n').map((line) => JSON.parse(line) as { msg: string; delayMs?: number })
      expect(lines.filter((line) => line.msg === 'a worker died; starting another').map((line) => line.delayMs)).toEqual([100, 200, 400, 800])
      expect(lines.filter((line) => line.msg.startsWith('workers keep dying'))).toEqual([expect.objectContaining({ msg: 'workers keep dying (5 exits within 30 s); stopping' })])
    } finally {
      await proxy.stop()
    }
  },
  SLOW_MS,
)
