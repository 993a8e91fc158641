import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { startRedis, startService, type ServiceProcess } from './service-process.ts'
import { freePort } from './free-port.ts'
import { eventually } from './wait-for.ts'

export const SENTINEL_MASTER_NAME = 'proxymaster'

/** A throw-away Sentinel set on free ports: a master, its replicas, and sentinels that fail over in about a second. */
export interface RedisSentinelSet {
  readonly master: ServiceProcess
  readonly replicas: readonly ServiceProcess[]
  readonly sentinels: readonly ServiceProcess[]
  /** `REDIS_SENTINELS` for the proxy. */
  readonly sentinelList: string
  /** The port of the master the sentinels name now. */
  masterPort(): Promise<number>
  /** Each live node's role, master and link state, for a failing test's message. */
  describe(): Promise<string>
  /** Every data node (master and replicas) by port. */
  node(port: number): ServiceProcess
  stop(): Promise<void>
}

export interface SentinelSetOptions {
  replicas?: number
  sentinels?: number
  downAfterMs?: number
  failoverTimeoutMs?: number
}

export async function startRedisSentinelSet({ replicas = 2, sentinels = 3, downAfterMs = 1000, failoverTimeoutMs = 2000 }: SentinelSetOptions = {}): Promise<RedisSentinelSet> {
  // No 5 s wait for more replicas before a diskless sync (Redis 7's default).
  const master = await startRedis(['--repl-diskless-sync-delay', '0'])
  const replicaNodes = await Promise.all(Array.from({ length: replicas }, () => startRedis(['--replicaof', '127.0.0.1', String(master.port), '--repl-diskless-sync-delay', '0'])))
  // After a diskless sync the master counts a replica only from its first ACK (up to a second later).
  await eventually(async () => (await info(master.port, 'replication')).match(/state=online/g)?.length === replicas, `${replicas} replicas online for the master`, 10_000, 25)
  const quorum = Math.floor(sentinels / 2) + 1
  // Each sentinel told of the others and of the replicas up front: discovering them takes seconds (hello every 2 s).
  const ports = await Promise.all(Array.from({ length: sentinels }, () => freePort()))
  const ids = ports.map(() => randomBytes(20).toString('hex'))
  const sentinelNodes = await Promise.all(
    ports.map((fixedPort, index) =>
      startService({
        port: fixedPort,
        binary: 'redis-server',
        installHint: 'apt-get install -y redis-server (sentinels run as redis-server x.conf --sentinel)',
        args: (port, dir) => {
          // A sentinel rewrites its configuration file: it must be its own and writable.
          const conf = join(dir, 'sentinel.conf')
          writeFileSync(
            conf,
            [
              `port ${port}`,
              'bind 127.0.0.1',
              `dir ${dir}`,
              `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${master.port} ${quorum}`,
              `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${downAfterMs}`,
              `sentinel failover-timeout ${SENTINEL_MASTER_NAME} ${failoverTimeoutMs}`,
              `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} ${replicas}`,
              `sentinel myid ${ids[index]}`,
              ...replicaNodes.map((replica) => `sentinel known-replica ${SENTINEL_MASTER_NAME} 127.0.0.1 ${replica.port}`),
              ...ports.flatMap((other, j) => (j === index ? [] : [`sentinel known-sentinel ${SENTINEL_MASTER_NAME} 127.0.0.1 ${other} ${ids[j]}`])),
              '',
            ].join('\n'),
          )
          return [conf, '--sentinel']
        },
      }),
    ),
  )
  const nodes = [master, ...replicaNodes]
  /**
   * The master in the newest configuration any live sentinel holds (the highest config-epoch). Right
   * after a failover the sentinels that did not lead it still name the old master until the leader's
   * hello reaches them; the first sentinel to answer is not enough.
   */
  const masterPort = async () => {
    const views: { epoch: number; port: number }[] = []
    for (const sentinel of sentinelNodes) {
      try {
        const field = await masterFields(sentinel.port)
        views.push({ epoch: field('config-epoch'), port: field('port') })
      } catch {
        // that sentinel is down: ask the next
      }
    }
    const newest = views.reduce<{ epoch: number; port: number } | undefined>((best, view) => (best === undefined || view.epoch > best.epoch ? view : best), undefined)
    if (!newest) throw new Error('no sentinel answers')
    return newest.port
  }
  // Every sentinel has found the replicas and the other sentinels before a test may kill anything.
  for (const sentinel of sentinelNodes) {
    await eventually(
      async () => {
        const field = await masterFields(sentinel.port)
        return field('num-slaves') === replicas && field('num-other-sentinels') === sentinels - 1
      },
      `sentinel ${sentinel.port} sees ${replicas} replicas and ${sentinels - 1} other sentinels`,
      15_000,
      50,
    )
  }
  return {
    master,
    replicas: replicaNodes,
    sentinels: sentinelNodes,
    sentinelList: sentinelNodes.map((s) => `127.0.0.1:${s.port}`).join(','),
    masterPort,
    async describe() {
      const lines = await Promise.all(
        nodes.map(async (n) => {
          try {
            const text = await info(n.port, 'replication')
            const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '-'
            return `${n.port}: ${field('role')} of ${field('master_port')} link ${field('master_link_status')}, ${field('connected_slaves')} replicas`
          } catch {
            return `${n.port}: down`
          }
        }),
      )
      return `sentinels name ${await masterPort().catch(() => '?')}; ${lines.join('; ')}`
    },
    node: (port) => {
      const found = nodes.find((n) => n.port === port)
      if (!found) throw new Error(`no node on port ${port}`)
      return found
    },
    async stop() {
      await Promise.all([...sentinelNodes, ...nodes].map((n) => n.stop()))
    },
  }
}

async function info(port: number, section: string): Promise<string> {
  return String(await sentinelCall(port, 'INFO', section))
}

/** One command on a short-lived RESP2 connection. */
/** A sentinel's numeric fields about the master (SENTINEL MASTER: port, config-epoch, num-slaves…), by name. */
async function masterFields(sentinelPort: number): Promise<(name: string) => number> {
  const fields = (await sentinelCall(sentinelPort, 'SENTINEL', 'master', SENTINEL_MASTER_NAME)) as string[]
  return (name) => Number(fields[fields.indexOf(name) + 1])
}

async function sentinelCall(port: number, command: string, ...args: string[]): Promise<unknown> {
  const client = new Redis({ port, host: '127.0.0.1', protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on('error', () => {})
  try {
    await client.connect()
    return await client.call(command, ...args)
  } finally {
    client.disconnect()
  }
}
