import { expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { startService } from './service-process.ts'

test('a server that exits before it listens (its free port taken meanwhile) is started again on another port', async () => {
  // The first launch exits at once, as redis-server does when another process bound its port first.
  const service = await startService({
    binary: 'sh',
    installHint: 'sh is part of every Debian',
    args: (port, dir) => ['-c', `if [ -e ${join(dir, 'tried')} ]; then exec redis-server --port ${port} --bind 127.0.0.1 --save ''; else touch ${join(dir, 'tried')}; exit 1; fi`],
  })
  const client = new Redis({ port: service.port, host: '127.0.0.1', lazyConnect: true })
  try {
    expect(existsSync(join(service.dir, 'tried'))).toBe(true)
    expect(await client.ping()).toBe('PONG')
  } finally {
    client.disconnect()
    await service.stop()
  }
})

test('a server on a fixed port that exits before it listens is an error, not a wait for whoever holds the port', async () => {
  const outcome = await startService({ port: 1, binary: 'sh', installHint: '', args: () => ['-c', 'exit 3'] }).then(
    () => 'started',
    (error: Error) => error.message,
  )
  expect(outcome).toContain('exited at start')
})
