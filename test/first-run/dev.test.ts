import { afterAll, expect, test } from 'bun:test'
import { spawn } from 'node:child_process'
import { appendFileSync, chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../harness/free-port.ts'
import { copyProject } from '../harness/project-copy.ts'
import { startRedis } from '../harness/service-process.ts'
import { eventually } from '../harness/wait-for.ts'

/** `npm run dev` in a fresh copy: private Redis and Memcached, watch mode, its URLs printed. */
const SLOW_MS = 180_000
const copy = copyProject()
afterAll(() => copy.remove())

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

test(
  'npm run dev: prints the URLs, serves through a private Redis and Memcached, restarts on an edit, and Ctrl-C stops all of it',
  async () => {
    const port = await freePort()
    // The command package.json's dev script runs (npm's own shell would stand between the signal and it).
    const child = spawn(process.execPath, ['src/dev.ts'], {
      cwd: copy.dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      await eventually(() => output.includes('  local '), `the dev banner (${output})`, 60_000, 50)
      const base = `http://127.0.0.1:${port}`
      for (const path of ['/', '/stats', '/docs', '/metrics']) expect(output).toContain(`${base}${path}\n`)
      const redisPort = Number(/redis +redis:\/\/127\.0\.0\.1:(\d+) \(private/.exec(output)?.[1])
      const memcachedPort = Number(/memcached 127\.0\.0\.1:(\d+) \(private/.exec(output)?.[1])
      expect(await listens(redisPort)).toBe(true)
      expect(await listens(memcachedPort)).toBe(true)
      expect(output).toContain('"localCache":"memcached"')

      let res = await fetch(`${base}/set`, { method: 'POST', body: '{"dev": "mode"}', headers: { 'Content-Type': 'application/json' } })
      expect(res.status).toBe(200)

      // An edit restarts the server; the private Redis lives on with the key.
      appendFileSync(join(copy.dir, 'src', 'routes', 'health.ts'), '\n')
      await eventually(() => output.split('"msg":"listening"').length === 3, 'the server to listen again after the edit', 60_000, 50)
      res = await fetch(`${base}/?key=dev`)
      expect(((await res.json()) as { Value: string }).Value).toBe('mode')

      child.kill('SIGINT')
      expect(await exited).toBe(0)
      expect(await listens(port)).toBe(false)
      expect(await listens(redisPort)).toBe(false)
      expect(await listens(memcachedPort)).toBe(false)
    } finally {
      child.kill('SIGKILL')
    }
  },
  SLOW_MS,
)

test('a private memcached that cannot bind its port is tried on other ports, then npm run dev says why and exits 2', async () => {
  // A memcached that always finds its port taken, as when another process binds it first.
  const bin = mkdtempSync(join(tmpdir(), 'dev-bin-'))
  const tries = join(bin, 'tries')
  writeFileSync(join(bin, 'memcached'), `#!/bin/sh\necho try >> ${tries}\necho "failed to listen on TCP port $2: Address already in use" >&2\nexit 71\n`)
  chmodSync(join(bin, 'memcached'), 0o755)
  const redis = await startRedis()
  try {
    const child = spawn(process.execPath, ['src/dev.ts'], {
      cwd: copy.dir,
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? '/tmp', PORT: String(await freePort()), REDIS_URL: `redis://127.0.0.1:${redis.port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code).toBe(2)
    expect(stderr).toContain('The private memcached exited at start: failed to listen on TCP port')
    expect(readFileSync(tries, 'utf8').trim().split('\n')).toHaveLength(3)
  } finally {
    await redis.stop()
    rmSync(bin, { recursive: true, force: true })
  }
}, 30_000)
