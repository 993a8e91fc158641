import { spawnSync } from 'node:child_process'
import { Redis } from 'ioredis'
import { startRedis, type ServiceProcess } from './service-process.ts'
import { eventually } from './wait-for.ts'

/** A throw-away Redis Cluster of `size` masters (and `replicasPerMaster` replicas each) on free ports. */
export interface RedisCluster {
  readonly nodes: readonly ServiceProcess[]
  /** `REDIS_CLUSTER_NODES` for the proxy. */
  readonly seeds: string
  stop(): Promise<void>
}

export interface RedisClusterOptions {
  replicasPerMaster?: number
  /** cluster-node-timeout: a master silent this long is failing; its replica takes over soon after. */
  nodeTimeoutMs?: number
}

export async function startRedisCluster(size = 3, { replicasPerMaster = 0, nodeTimeoutMs = 2000 }: RedisClusterOptions = {}): Promise<RedisCluster> {
  const nodes = await Promise.all(
    Array.from({ length: size * (1 + replicasPerMaster) }, () =>
      startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeoutMs), '--repl-diskless-sync-delay', '0']),
    ),
  )
  const addresses = nodes.map((node) => `127.0.0.1:${node.port}`)
  const created = spawnSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'], { encoding: 'utf8' })
  if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stderr}${created.stdout}`)
  for (const node of nodes) {
    const client = new Redis({ port: node.port, host: '127.0.0.1', protocol: 2 })
    client.on('error', () => {})
    try {
      await eventually(async () => /cluster_state:ok/.test(String(await client.cluster('INFO'))), `cluster_state:ok on ${node.port}`, 10_000, 50)
      // A master counts its replica (WAIT, failover) once the replica's first ACK came, up to a second after the sync.
      await eventually(
        async () => {
          const replication = await client.info('replication')
          return /role:slave/.test(replication) ? /master_link_status:up/.test(replication) : (replication.match(/state=online/g)?.length ?? 0) === replicasPerMaster
        },
        `${node.port} in sync`,
        10_000,
        25,
      )
    } finally {
      client.disconnect()
    }
  }
  return {
    nodes,
    seeds: addresses.join(','),
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()))
    },
  }
}
