import { Redis } from 'ioredis'
import { startRedis } from '/work/wt-ha/test/harness/service-process.ts'
import { redisOptions } from '/work/wt-ha/src/wiring/redis-client.ts'
import { ReplicaAcknowledgements, writeConnections } from '/work/wt-ha/src/cache/redis/replica-acknowledgements.ts'
const m = await startRedis(['--repl-diskless-sync-delay', '0'])
const r = await startRedis(['--replicaof', '127.0.0.1', String(m.port)])
const w = new Redis({ ...redisOptions({ redisTimeoutMs: 1000 }), port: m.port })
while (w.status !== 'ready') await Bun.sleep(20)
const mon = new Redis({ port: m.port, protocol: 2 })
while (!/state=online/.test(await w.info('replication'))) await Bun.sleep(50)
const lines: string[] = []
const monitor = await mon.monitor()
monitor.on('monitor', (_t: string, args: string[], source: string) => { if (!/INFO|PING|REPLCONF/i.test(args[0]!)) lines.push(`${source} ${args.join(' ')}`) })
await Bun.sleep(100)
const acks = new ReplicaAcknowledgements({ replicas: 1, timeoutMs: 300, locate: writeConnections(w) })
await Promise.all(['a', 'b', 'c'].map((k) => acks.afterWrite([k], () => w.set(k, '1'))))
await acks.afterWrite(['d'], () => w.set('d', '1'))
await Bun.sleep(100)
console.log(lines.join('\n'))
monitor.disconnect(); w.disconnect(); await r.stop(); await m.stop()
