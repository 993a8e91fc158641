import { spawnSync } from 'node:child_process'
import { Redis } from 'ioredis'
import { startRedis, type ServiceProcess } from './service-process.ts'
import { eventually } from './wait-for.ts'

/** A throw-away Redis Cluster of `size` masters (no replicas) on free ports. */
export interface RedisCluster {
  readonly nodes: readonly ServiceProcess[]
  /** `REDIS_CLUSTER_NODES` for the proxy. */
  readonly seeds: string
  stop(): Promise<void>
}

export async function startRedisCluster(size = 3): Promise<RedisCluster> {
  const nodes = await Promise.all(
    Array.from({ length: size }, () => startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'])),
  )
  const addresses = nodes.map((node) => `127.0.0.1:${node.port}`)
  const created = spawnSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' })
  if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stderr}${created.stdout}`)
  for (const node of nodes) {
    const client = new Redis({ port: node.port, host: '127.0.0.1', protocol: 2 })
    client.on('error', () => {})
    try {
      await eventually(async () => /cluster_state:ok/.test(String(await client.cluster('INFO'))), `cluster_state:ok on ${node.port}`, 10_000, 50)
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
