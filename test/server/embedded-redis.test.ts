import { afterAll, expect, test } from 'bun:test'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { RedisServerNotFound, startEmbeddedRedis, type EmbeddedRedis } from '../../src/server/embedded-redis.ts'
import { StartupError } from '../../src/server/startup-error.ts'

const root = mkdtempSync(join(tmpdir(), 'embedded-redis-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let dirs = 0
const freshDir = () => join(root, `data-${++dirs}`)

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function withClient<T>(server: EmbeddedRedis, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 })
  try {
    await client.connect()
    return await use(client)
  } finally {
    client.disconnect()
  }
}

async function startedError(start: Promise<unknown>): Promise<Error> {
  try {
    await start
  } catch (error) {
    return error as Error
  }
  throw new Error('it started')
}

test('what was written before a stop is there after a start on the same directory (append-only file)', async () => {
  const dataDir = freshDir()
  const first = await startEmbeddedRedis({ dataDir })
  expect(first.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
  await withClient(first, (client) => client.set('kept', 'after a restart'))
  await first.stop()
  expect(isRunning(first.pid)).toBe(false)

  const second = await startEmbeddedRedis({ dataDir })
  try {
    expect(await withClient(second, (client) => client.get('kept'))).toBe('after a restart')
    expect(await withClient(second, (client) => client.config('GET', 'appendfsync'))).toEqual(['appendfsync', 'everysec'])
  } finally {
    await second.stop()
  }
})

test('an acknowledged write survives a SIGKILL of redis-server (everysec: already in the page cache)', async () => {
  const dataDir = freshDir()
  const first = await startEmbeddedRedis({ dataDir })
  await withClient(first, (client) => client.set('crash', 'survived'))
  process.kill(first.pid, 'SIGKILL')
  expect(await first.exited).not.toBe(0)

  const second = await startEmbeddedRedis({ dataDir })
  try {
    expect(await withClient(second, (client) => client.get('crash'))).toBe('survived')
  } finally {
    await second.stop()
  }
})

test('no redis-server on PATH: RedisServerNotFound', async () => {
  const error = await startedError(
    startEmbeddedRedis({ dataDir: freshDir(), spawn: (command, args, options) => spawn(command, args, { ...options, env: { PATH: join(root, 'empty-bin') } }) }),
  )
  expect(error).toBeInstanceOf(RedisServerNotFound)
})

test('a data directory that cannot be one: a one-line StartupError naming it', async () => {
  const file = join(root, 'a-file')
  writeFileSync(file, '')
  const error = await startedError(startEmbeddedRedis({ dataDir: join(file, 'redis'), displayDir: '.data/redis' }))
  expect(error).toBeInstanceOf(StartupError)
  expect(error.message).toStartWith('Cannot use .data/redis ')
  expect(error.message).toContain('ENOTDIR')
  expect(error.message).toContain('REDIS_URL')
  expect(error.message).not.toContain('\n')
})

test('a redis-server that exits at start: its reason in one line', async () => {
  const dataDir = freshDir()
  mkdirSync(dataDir)
  writeFileSync(join(dataDir, 'appendonlydir'), 'not a directory') // where Redis keeps its AOF files
  const error = await startedError(startEmbeddedRedis({ dataDir, displayDir: '.data/redis' }))
  expect(error).toBeInstanceOf(StartupError)
  expect(error.message).toStartWith("The embedded redis-server exited at start: Can't open or create append-only dir")
  expect(error.message).toContain('.data/redis/redis.log')
  expect(error.message).not.toContain('\n')
})

test('a redis-server still running on the directory is waited for, then refused', async () => {
  const dataDir = freshDir()
  const running = await startEmbeddedRedis({ dataDir })
  try {
    const error = await startedError(startEmbeddedRedis({ dataDir, displayDir: '.data/redis', previousExitWaitMs: 200 }))
    expect(error).toBeInstanceOf(StartupError)
    expect(error.message).toStartWith(`.data/redis is in use by redis-server pid ${running.pid} `)
    // One that is on its way out is waited for.
    const next = startEmbeddedRedis({ dataDir })
    await running.stop()
    await (await next).stop()
  } finally {
    await running.stop()
  }
})
