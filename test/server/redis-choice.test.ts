import { expect, test } from 'bun:test'
import { createLogger } from '../../src/logger.ts'
import { RedisServerNotFound, type EmbeddedRedis, type EmbeddedRedisOptions } from '../../src/server/embedded-redis.ts'
import { chooseRedis, redisHint } from '../../src/server/redis-choice.ts'
import { StartupError } from '../../src/server/startup-error.ts'

const DEFAULT = 'redis://127.0.0.1:6379'

/** chooseRedis with a scripted probe and a fake embedded server; records what it asked. */
function choose(config: { redisUrl?: string; redisConfigured?: boolean; production?: boolean }, { answers = false, missing = false } = {}) {
  const asked: string[] = []
  const started: EmbeddedRedisOptions[] = []
  const lines: Record<string, unknown>[] = []
  const logger = createLogger({ level: 'info', write: (chunk) => lines.push(...chunk.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)) })
  const result = chooseRedis(
    { redisUrl: DEFAULT, redisConfigured: false, production: false, ...config },
    {
      logger,
      cwd: '/srv/proxy',
      answersPing: async (url) => {
        asked.push(url)
        return answers
      },
      startEmbedded: async (options) => {
        started.push(options)
        if (missing) throw new RedisServerNotFound('redis-server is not on PATH')
        return { url: 'redis://127.0.0.1:40000', pid: 42, exited: new Promise<number>(() => {}), stop: async () => {} } satisfies EmbeddedRedis
      },
    },
  )
  return {
    result,
    asked,
    started,
    lines: () => {
      logger.flush()
      return lines
    },
  }
}

test('a configured Redis is used as it is: no probe, nothing started', async () => {
  const run = choose({ redisUrl: 'redis://cache:6379', redisConfigured: true })
  expect(await run.result).toEqual({ url: 'redis://cache:6379' })
  expect(run.asked).toEqual([])
  expect(run.started).toEqual([])
})

test('in production nothing is probed or started: the client reports the missing Redis with the hint', async () => {
  const run = choose({ production: true })
  expect(await run.result).toEqual({ url: DEFAULT })
  expect(run.asked).toEqual([])
  expect(run.started).toEqual([])
  expect(redisHint({ redisUrl: DEFAULT, redisConfigured: false, production: true })).toContain('set REDIS_URL=')
})

test('a Redis answering on the default address is used, and the log says how to choose another', async () => {
  const run = choose({}, { answers: true })
  expect(await run.result).toEqual({ url: DEFAULT })
  expect(run.asked).toEqual([DEFAULT])
  expect(run.started).toEqual([])
  expect(run.lines().map((line) => line.msg)).toEqual(['using the Redis that answers on 127.0.0.1:6379; set REDIS_URL to use another'])
})

test('nothing on the default address: a private redis-server in .data/redis, announced in one line', async () => {
  const run = choose({})
  const choice = await run.result
  expect(choice.url).toBe('redis://127.0.0.1:40000')
  expect(choice.embedded?.pid).toBe(42)
  expect(run.started).toEqual([{ dataDir: '/srv/proxy/.data/redis', displayDir: '.data/redis' }])
  const lines = run.lines()
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatchObject({ level: 'info', url: 'redis://127.0.0.1:40000' })
  expect(String(lines[0]!.msg)).toContain('started a private redis-server')
  expect(String(lines[0]!.msg)).toContain('set REDIS_URL')
})

test('no redis-server on PATH either: one line naming both ways out', async () => {
  const error = await choose({}, { missing: true }).result.catch((caught: unknown) => caught as Error)
  expect(error).toBeInstanceOf(StartupError)
  const { message } = error as Error
  for (const way of ['apt-get install -y redis-server', 'brew install redis', 'REDIS_URL=']) expect(message).toContain(way)
  expect(message).not.toContain('\n')
})

test('the hint never shows the configured URL (it may hold a password)', () => {
  expect(redisHint({ redisUrl: 'redis://:s3cret@cache:6379', redisConfigured: true, production: true })).not.toContain('s3cret')
})
