import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Redis } from 'ioredis'
import { startRedis, type ServiceProcess } from './service-process.ts'
import { startTcpRelay, type TcpRelay } from './tcp-relay.ts'

let redis: ServiceProcess
let relay: TcpRelay
let client: Redis
beforeAll(async () => {
  redis = await startRedis()
  relay = await startTcpRelay(redis.port)
  client = new Redis({ port: relay.port, host: '127.0.0.1', enableAutoPipelining: false })
  client.on('error', () => {})
  await client.ping()
})
afterAll(async () => {
  client.disconnect()
  await relay.close()
  await redis.stop()
})

/** Whether the promise settled within a few event-loop turns. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false
  void promise.then(
    () => (done = true),
    () => (done = true),
  )
  await Bun.sleep(30)
  return done
}

describe('TcpRelay', () => {
  test('passes bytes through until held', async () => {
    expect(relay.connections).toHaveLength(1)
    expect(await client.set('k', 'v')).toBe('OK')
    expect(await client.get('k')).toBe('v')
  })

  test('a held request reaches the server only when released, chunk by chunk', async () => {
    const { up } = relay.connections[0]!
    up.hold()
    const first = client.set('held', 'one')
    await up.untilHeld(1)
    const second = client.set('held', 'two')
    await up.untilHeld(2)
    expect(up.heldText).toContain('one')
    expect(await settled(first)).toBe(false)
    up.releaseChunks(1)
    expect(await first).toBe('OK')
    expect(await settled(second)).toBe(false)
    const direct = new Redis({ port: redis.port, host: '127.0.0.1' })
    expect(await direct.get('held')).toBe('one')
    direct.disconnect()
    up.release()
    expect(await second).toBe('OK')
    expect(await client.get('held')).toBe('two')
  })

  test('a held reply keeps the connection open and arrives on release', async () => {
    const { down } = relay.connections[0]!
    down.hold()
    const read = client.get('held')
    await down.untilHeld(1)
    expect(await settled(read)).toBe(false)
    expect(client.status).toBe('ready')
    down.release()
    expect(await read).toBe('two')
  })
})
