import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { spawn } from 'node:child_process'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { freePort } from '../harness/free-port.ts'
import { copyProject } from '../harness/project-copy.ts'
import { runtimeCommand, type Runtime } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

/** What users see when the service cannot start: one line on stderr naming the problem, exit code 2. */
// Generous: a Node start took over 20 s at a load average of 80 on this 2-core machine.
const SLOW_MS = 120_000
const NODE = Bun.which('node')!

const copy = copyProject()
// A directory with node in it and nothing else: no redis-server to be found.
const bareBin = join(copy.dir, 'bare-bin')
mkdirSync(bareBin)
symlinkSync(NODE, join(bareBin, 'node'))

let redis: ServiceProcess
let holder: Server
let busyPort: number
beforeAll(async () => {
  redis = await startRedis()
  holder = createServer()
  busyPort = await new Promise<number>((resolve) => holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)))
}, SLOW_MS)
afterAll(async () => {
  holder.close()
  await redis.stop()
  copy.remove()
})

interface Failure {
  code: number | null
  stderr: string
  stdout: string
}

/** Runs the service (as `npm start` / `npm run start:node` do) until it exits by itself. */
async function run(runtime: Runtime, env: Record<string, string>, cwd = copy.dir): Promise<Failure> {
  const [command, ...args] = await runtimeCommand(runtime, cwd)
  const child = spawn(command === 'node' ? NODE : command!, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)))
  clearTimeout(timer)
  return { code, stderr, stdout }
}

function expectOneLine(failure: Failure, ...mentions: string[]): void {
  expect(failure.code).toBe(2)
  const lines = failure.stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  for (const mention of mentions) expect(lines[0]).toContain(mention)
  expect(failure.stderr + failure.stdout).not.toMatch(/\n\s+at /) // no stack trace
}

for (const runtime of ['bun', 'node'] as Runtime[]) {
  describe(`start-up failures on ${runtime}`, () => {
    test('no Redis and no redis-server on PATH: one line naming both ways out', async () => {
      const noRedis = `redis://127.0.0.1:${await freePort()}`
      const failure = await run(runtime, { PATH: bareBin, TEST_DEFAULT_REDIS_URL: noRedis })
      expectOneLine(failure, 'redis-server is not on PATH', 'apt-get install -y redis-server', 'brew install redis', 'REDIS_URL=')
    }, SLOW_MS)

    test('a busy port', async () => {
      const failure = await run(runtime, { REDIS_URL: `redis://127.0.0.1:${redis.port}`, PORT: String(busyPort) })
      expectOneLine(failure, `127.0.0.1:${busyPort}`, 'in use', 'PORT')
    }, SLOW_MS)

    test('a bad REDIS_URL', async () => {
      expectOneLine(await run(runtime, { REDIS_URL: 'http://127.0.0.1:6379' }), 'REDIS_URL')
    }, SLOW_MS)

    test('a data directory that cannot be made', async () => {
      const unusable = copyProject()
      try {
        writeFileSync(join(unusable.dir, '.data'), 'a file where the directory should be')
        const failure = await run(runtime, { TEST_DEFAULT_REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, unusable.dir)
        expectOneLine(failure, '.data/redis', 'ENOTDIR', 'REDIS_URL')
      } finally {
        unusable.remove()
      }
    }, SLOW_MS)
  })
}
