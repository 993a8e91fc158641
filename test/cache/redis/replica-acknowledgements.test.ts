import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Redis } from 'ioredis'
import { UnconfirmedWriteError } from '../../../src/cache/errors.ts'
import { ReplicaAcknowledgements, writeConnections } from '../../../src/cache/redis/replica-acknowledgements.ts'
import { redisOptions } from '../../../src/wiring/redis-client.ts'
import { startRedis, type ServiceProcess } from '../../harness/service-process.ts'
import { eventually } from '../../harness/wait-for.ts'

let master: ServiceProcess
let replica: ServiceProcess
let writer: Redis
let acknowledgements: ReplicaAcknowledgements
beforeAll(async () => {
  master = await startRedis(['--repl-diskless-sync-delay', '0'])
  replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)])
  writer = new Redis({ ...redisOptions({ redisTimeoutMs: 4000 }), port: master.port, host: '127.0.0.1' })
  writer.on('error', () => {})
  await eventually(() => writer.status === 'ready', 'the writer connected')
  // After a diskless sync the master counts a replica only from its first ACK (up to a second later).
  await eventually(async () => /slave0:.*state=online/.test(await writer.info('replication')), 'the replica online for its master', 10_000, 25)
  // Generous: a loaded machine can delay the replica's ACK by hundreds of ms.
  acknowledgements = new ReplicaAcknowledgements({ replicas: 1, timeoutMs: 2000, locate: writeConnections(writer) })
})
afterAll(async () => {
  writer?.disconnect()
  await Promise.all([replica?.stop(), master?.stop()])
})

const waitCalls = async () => Number(/cmdstat_wait:calls=(\d+)/.exec(await writer.info('commandstats'))?.[1] ?? 0)

describe('ReplicaAcknowledgements on a master with one replica', () => {
  test('a write is answered once the replica holds it', async () => {
    expect(await acknowledgements.afterWrite(['a'], () => writer.set('a', '1'))).toBe('OK')
  })

  test('writes answered together share one WAIT: it covers every write its connection made before it', async () => {
    const before = await waitCalls()
    await Promise.all(Array.from({ length: 50 }, (_, i) => acknowledgements.afterWrite([`many-${i}`], () => writer.set(`many-${i}`, 'v'))))
    // commandstats counts the INFO itself too, not WAIT: only the WAITs sent for the 50 writes.
    expect((await waitCalls()) - before).toBeLessThanOrEqual(2)
  })

  test('a reconnect between the write and its WAIT is not taken for a confirmation', async () => {
    // A WAIT on the new connection would count replicas for that connection's writes (none): 1, at once.
    const reconnected = acknowledgements.afterWrite(['moved'], async () => {
      const answer = await writer.set('moved', 'v')
      writer.disconnect(true)
      await new Promise((resolve) => writer.once('ready', resolve))
      return answer
    })
    const error = await reconnected.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(UnconfirmedWriteError)
    expect((error as Error).message).toContain('connection to it changed')
  })
})
