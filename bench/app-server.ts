import { MemoryTier } from '../src/cache/tiers/memory-tier.ts'
import { serve } from '../src/server/http-server.ts'
import { BENCH_VALUE, stubbedBareApp, stubbedProxyApp } from './stubbed-proxy.ts'

/**
 * The proxy's app as buildProxy makes it (memory tier holding 10,000 `bench:` keys, metrics, LOG_LEVEL
 * warn), served by the same server adapter, but with a stub in place of Redis: no connection, no
 * heartbeats, no invalidations. For bench/pieces.ts, beside the proxy process itself.
 * APP_KIND=no-metrics: the same routes from createApp over a plain TieredCache, as bench/in-process.ts's
 * "proxy, bare": no metrics (request observation, counters, histograms), no timed tiers, no coherence gate.
 */
const KEYS = 10_000
const local = new MemoryTier({ capacity: KEYS, ttlSeconds: 300 })
for (let i = 0; i < KEYS; i++) await local.set(`bench:${i}`, BENCH_VALUE)
const app = process.env.APP_KIND === 'no-metrics' ? stubbedBareApp(local, 'warn') : stubbedProxyApp(local, 'warn')
await serve({ fetch: (request) => app.fetch(request), host: '127.0.0.1', port: Number(process.env.PORT) })
process.stdout.write('listening\n')
process.on('SIGTERM', () => process.exit(0))
