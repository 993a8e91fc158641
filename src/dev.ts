import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { ConfigError, loadConfig } from './config.ts'
import { startEmbeddedRedis, type EmbeddedRedis } from './server/embedded-redis.ts'
import { freePort } from './server/free-port.ts'
import { EMBEDDED_DATA_DIR } from './server/redis-choice.ts'
import { startPrivateServer, type PrivateServerStart } from './server/private-server.ts'
import { StartupError } from './server/startup-error.ts'
import { COMMAND_NOT_FOUND, WatchedChildExit, type WatchedChild } from './server/watched-child.ts'

/**
 * `npm run dev`: the service in Bun's watch mode, with a private redis-server (unless REDIS_URL or
 * another Redis is configured) and a private memcached when one is on PATH, both started once here
 * so that they outlive the server's restarts on every edit. Prints the URLs to open.
 */

function fail(message: string): never {
  process.stderr.write(`${message}\n`)
  process.exit(2)
}

/** Ports tried for the private memcached: another process may take a free port before memcached binds it. */
const MEMCACHED_PORT_ATTEMPTS = 3
const MEMCACHED_READY_MS = 10_000

/** A private memcached on a free port, or undefined when none is installed. */
async function startMemcached(): Promise<{ child: WatchedChild; address: string } | undefined> {
  let started: PrivateServerStart
  try {
    // memcached refuses to run as root unless told which user to be; it answers "ERROR" to the PING that tells it listens.
    const asRoot = process.getuid?.() === 0 ? ['-u', 'root'] : []
    started = await startPrivateServer({ command: 'memcached', args: (port) => ['-p', String(port), '-l', '127.0.0.1', '-U', '0', '-m', '64', ...asRoot], freePort, attempts: MEMCACHED_PORT_ATTEMPTS, readyTimeoutMs: MEMCACHED_READY_MS })
  } catch (error) {
    if (error instanceof WatchedChildExit && error.code === COMMAND_NOT_FOUND) return undefined
    throw error
  }
  if (started.outcome === 'ready') return { child: started.child, address: `127.0.0.1:${started.port}` }
  fail(`The private memcached ${started.outcome === 'exited' ? 'exited at start' : `did not answer within ${MEMCACHED_READY_MS} ms`}: ${started.said.trim() || 'no reason given'}`)
}

async function dev(): Promise<void> {
  let config
  try {
    config = loadConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message)
    throw error
  }
  const overrides: Record<string, string> = {}
  let redis: EmbeddedRedis | undefined
  if (!config.redisConfigured) {
    redis = await startEmbeddedRedis({ dataDir: resolve(EMBEDDED_DATA_DIR), displayDir: EMBEDDED_DATA_DIR }).catch((error: unknown) => {
      if (error instanceof StartupError) fail(`${error.message} (npm run dev starts its own Redis: install redis-server with apt-get install -y redis-server or brew install redis, or set REDIS_URL)`)
      throw error
    })
    overrides.REDIS_URL = redis.url
  }
  // LOCAL_CACHE=none or memcached is the user's choice; the default memory tier gives way to a private memcached.
  const memcached = config.localCache === 'memory' ? await startMemcached() : undefined
  if (memcached) Object.assign(overrides, { LOCAL_CACHE: 'memcached', MEMCACHED_SERVERS: memcached.address })

  const base = `http://${config.host}:${config.port}`
  const banner = [
    'npm run dev: restarts the server when a source file changes; Ctrl-C stops it with its private Redis and Memcached',
    `  form      ${base}/`,
    `  stats     ${base}/stats`,
    `  docs      ${base}/docs`,
    `  metrics   ${base}/metrics`,
    `  redis     ${redis ? `${redis.url} (private, data in ${EMBEDDED_DATA_DIR})` : 'as configured'}`,
    `  local     ${memcached ? `memcached ${memcached.address} (private)` : config.localCache}`,
  ].join('\n')

  // The server's environment is this one (passed on whole, not read) plus the private services.
  const server = spawn(process.execPath, ['--watch', 'src/main.ts'], { env: { ...process.env, ...overrides }, stdio: ['inherit', 'pipe', 'inherit'] })
  let printed = false
  server.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk)
    if (!printed && chunk.toString().includes('"msg":"listening"')) {
      printed = true
      process.stdout.write(`\n${banner}\n\n`)
    }
  })

  let stopping = false
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    if (server.exitCode === null) server.kill(signal)
    if (server.exitCode === null) await new Promise((resolve) => server.once('exit', resolve))
    await Promise.all([redis?.stop(), memcached?.child.stop()])
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
  server.once('exit', (code) => {
    if (stopping) return
    process.stderr.write(`the watched server exited (code ${code})\n`)
    void stop('SIGTERM')
  })
}

await dev()
