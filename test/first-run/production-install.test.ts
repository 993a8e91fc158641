import { afterAll, beforeAll, expect, test } from 'bun:test'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from '../harness/free-port.ts'
import { copyProject } from '../harness/project-copy.ts'
import { ROOT } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { eventually } from '../harness/wait-for.ts'

/**
 * A production install, as the README gives it: `npm ci --omit=dev && npm start` (and
 * `npm run start:node`, which builds its bundle first), in a fresh copy with no node_modules. `npm ci` comes from the local npm cache (~35 s on the loaded 2-core machine).
 */
const INSTALL_MS = 180_000

let redis: ServiceProcess
const copy = copyProject({ withNodeModules: false })
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis.stop()
  copy.remove()
})

test('start and start:node are each one plain command, so that a signal reaches the server; start:node builds its bundle before', () => {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  expect(scripts.start).toBe('bun src/main.ts')
  expect(scripts['start:node']).toBe('node --enable-source-maps dist/main.js')
  expect(scripts['prestart:node']).toBe('node scripts/build-node.mjs')
})

/** `npm <args>` in the copy, in its own process group, until it answers /healthz; returns what it printed. */
async function serveUntilHealthy(args: string[], env: Record<string, string>): Promise<string> {
  const port = await freePort()
  const server = spawn('npm', args, {
    cwd: copy.dir,
    env: { ...env, PORT: String(port), REDIS_URL: `redis://127.0.0.1:${redis.port}`, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: npm, its sh and the server are stopped together
  })
  let output = ''
  server.stdout.on('data', (chunk) => (output += chunk))
  server.stderr.on('data', (chunk) => (output += chunk))
  try {
    await eventually(
      async () => {
        if (server.exitCode !== null) throw new Error(`npm ${args.join(' ')} exited with ${server.exitCode}: ${output}`)
        return (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200
      },
      `npm ${args.join(' ')} to answer /healthz (${output})`,
      120_000,
      100,
    )
    return output
  } finally {
    if (server.exitCode === null) process.kill(-server.pid!, 'SIGKILL')
  }
}

test(
  'npm ci --omit=dev && npm start answers /healthz, with Bun from node_modules; so does npm run start:node',
  async () => {
    // No bun on PATH but the one the install brings (npm puts node_modules/.bin first).
    const path = ['/usr/local/bin', '/usr/bin', '/bin'].join(':')
    expect(spawnSync('sh', ['-c', 'command -v bun'], { env: { PATH: path } }).status).not.toBe(0)
    const env = { PATH: path, HOME: process.env.HOME ?? '/tmp', npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? '/tmp', '.npm') }

    const install = spawnSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: copy.dir, env, encoding: 'utf8' })
    expect(install.status, install.stderr).toBe(0)
    expect(existsSync(join(copy.dir, 'node_modules', 'typescript'))).toBe(false) // dev dependencies left out

    expect(await serveUntilHealthy(['start'], env)).toContain('"runtime":"bun 1.')
    expect(existsSync(join(copy.dir, 'dist'))).toBe(false) // no build for Bun
    expect(await serveUntilHealthy(['run', 'start:node'], env)).toContain('"runtime":"node v20.')
    expect(existsSync(join(copy.dir, 'dist', 'main.js'))).toBe(true)
  },
  INSTALL_MS,
)
