import { readFileSync } from 'node:fs'

/** What this process is, for logs (`service`, `version`) and `redis_proxy_build_info`. */
export interface BuildIdentity {
  readonly service: string
  readonly version: string
  readonly runtime: 'bun' | 'node'
  /** The runtime's own version: Bun's, not the Node.js version Bun emulates. */
  readonly runtimeVersion: string
}

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

export const BUILD: BuildIdentity = Object.freeze({
  // What log pipelines and dashboards filter on, as the metrics' `redis_proxy_` prefix; not the npm package's name.
  service: 'redis-proxy',
  version: manifest.version,
  runtime: typeof Bun !== 'undefined' ? 'bun' : 'node',
  runtimeVersion: typeof Bun !== 'undefined' ? Bun.version : process.versions.node,
})
