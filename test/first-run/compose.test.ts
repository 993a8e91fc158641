import { afterAll, beforeAll, expect, test } from 'bun:test'
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort } from '../harness/free-port.ts'
import { ROOT } from '../harness/proxy-process.ts'
import { waitForPort } from '../harness/wait-for.ts'

/** compose.yaml as docker-compose resolves it (no engine needed): what a reviewer checks by eye, checked. */
const dir = mkdtempSync(join(tmpdir(), 'compose-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Service {
  image?: string
  build?: unknown
  ports?: string[]
  environment?: Record<string, string>
  command?: string[]
  healthcheck?: { test: string[] }
  mem_limit?: string
  cpus?: number
  pids_limit?: number
  profiles?: string[]
}

/** `docker-compose config` with only the given settings (as if they were the .env file). */
function resolved(settings: Record<string, string> = {}): Record<string, Service> {
  if (spawnSync('sh', ['-c', 'command -v docker-compose']).status !== 0) throw new Error('docker-compose is not installed; install it with: apt-get install -y docker-compose')
  const envFile = join(dir, `env-${Object.keys(settings).join('-') || 'none'}`)
  writeFileSync(envFile, Object.entries(settings).map(([name, value]) => `${name}=${value}\n`).join(''))
  const run = spawnSync('docker-compose', ['--env-file', envFile, 'config'], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })
  expect(run.status, run.stderr).toBe(0)
  return (Bun.YAML.parse(run.stdout) as { services: Record<string, Service> }).services
}

// docker-compose takes seconds to start on a loaded machine: two resolutions, shared by the tests.
const SLOW_MS = 120_000
let clean: Record<string, Service>
let configured: Record<string, Service>
beforeAll(() => {
  clean = resolved()
  configured = resolved({ PROXY_BIND: '0.0.0.0', API_TOKEN: 't0ken', REDIS_PASSWORD: 'abc123' })
}, SLOW_MS)

test('valid on a clean clone (no .env); the proxy published on 127.0.0.1 only', () => {
  const services = clean
  expect(services.proxy!.ports).toEqual(['127.0.0.1:8000:8000/tcp'])
  expect(services.proxy!.environment!.API_TOKEN).toBe('')
})

test('PROXY_BIND publishes it elsewhere; API_TOKEN and the Redis password reach the proxy', () => {
  const proxy = configured.proxy!
  expect(proxy.ports).toEqual(['0.0.0.0:8000:8000/tcp'])
  expect(proxy.environment).toMatchObject({ API_TOKEN: 't0ken', REDIS_URL: 'redis://:abc123@redis:6379' })
})

test('pinned images (at least major.minor), a health check and resource limits on every default service', () => {
  const defaults = Object.entries(clean).filter(([, service]) => service.profiles === undefined)
  expect(defaults.map(([name]) => name).sort()).toEqual(['memcached', 'proxy', 'redis'])
  for (const [name, service] of defaults) {
    if (service.image !== undefined && service.build === undefined) expect(service.image, name).toMatch(/:\d+\.\d+/)
    expect(service.healthcheck?.test, name).toBeDefined()
    expect(service.mem_limit, name).toBeDefined()
    expect(service.cpus, name).toBeDefined()
    expect(service.pids_limit, name).toBeDefined()
  }
})

test("the proxy's health check is liveness (/healthz), not readiness: local hits still count as healthy", () => {
  const check = clean.proxy!.healthcheck!.test.join(' ')
  expect(check).toContain('/healthz')
  expect(check).not.toContain('/readyz')
})

/** The redis service's command, run by a local sh and redis-server (the image's entrypoint stubbed to add a free port). */
async function runRedisCommand(services: Record<string, Service>, password: string): Promise<{ port: number; exited: Promise<number | null>; stderr: () => string; kill: () => void }> {
  const command = services.redis!.command!
  const port = await freePort()
  const bin = join(dir, 'bin')
  spawnSync('mkdir', ['-p', bin])
  writeFileSync(join(bin, 'docker-entrypoint.sh'), `#!/bin/sh\nexec "$@" --port ${port} --bind 127.0.0.1 --dir ${dir} --appendonly no\n`)
  chmodSync(join(bin, 'docker-entrypoint.sh'), 0o755)
  // `$$` in compose.yaml is a literal `$` once resolved; docker-compose config prints it escaped again.
  const script = command.map((part) => part.replaceAll('$$', '$'))
  const child = spawn(script[0]!, script.slice(1), { env: { PATH: `${bin}:${process.env.PATH ?? ''}`, REDIS_PASSWORD: password }, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { port, exited, stderr: () => stderr, kill: () => child.kill('SIGKILL') }
}

test('the redis service refuses to start without REDIS_PASSWORD, saying what to do', async () => {
  const redis = await runRedisCommand(clean, '')
  expect(await redis.exited).toBe(1)
  expect(redis.stderr()).toContain('REDIS_PASSWORD is not set: cp .env.example .env')
})

test('with REDIS_PASSWORD, Redis asks for it, and never evicts (the system of record)', async () => {
  const redis = await runRedisCommand(configured, 'abc123')
  try {
    await waitForPort(redis.port)
    const anonymous = new Redis({ port: redis.port, lazyConnect: true, maxRetriesPerRequest: 0 })
    anonymous.on('error', () => {})
    await anonymous.connect().catch(() => {})
    expect(String(await anonymous.get('k').catch((error: unknown) => error))).toContain('NOAUTH')
    anonymous.disconnect()
    const client = new Redis({ port: redis.port, password: 'abc123' })
    expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction'])
    client.disconnect()
  } finally {
    redis.kill()
  }
}, SLOW_MS)
