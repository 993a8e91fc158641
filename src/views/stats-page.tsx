import type { LookupCounts } from '../metrics/proxy-metrics.ts'
import { Layout } from './layout.tsx'
import { RateChart } from './rate-chart.tsx'

export interface StatsPageProps {
  lookups: LookupCounts
  /** Requests in each of the last seconds, oldest first. */
  perSecond: readonly number[]
  uptimeSeconds: number
  refreshSeconds: number
  localTier: 'memory' | 'memcached' | 'none'
}

const RECENT_SECONDS = 10

function ratio(hits: number, total: number): number | undefined {
  return total === 0 ? undefined : hits / total
}

function percent(value: number | undefined): string {
  return value === undefined ? 'no reads yet' : `${(value * 100).toFixed(1)} %`
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0)
}

/** Hit ratio per tier and request rate, redrawn by the server every few seconds (meta refresh, no script). */
export function StatsPage({ lookups, perSecond, uptimeSeconds, refreshSeconds, localTier }: StatsPageProps) {
  const window = Math.min(perSecond.length, Math.max(1, Math.floor(uptimeSeconds)))
  const recent = perSecond.slice(-RECENT_SECONDS)
  const tiers = [
    ...(localTier === 'none' ? [] : [{ name: `Local cache (${localTier})`, counts: lookups.local }]),
    { name: 'Redis', counts: lookups.redis },
  ].map(({ name, counts }) => ({ name, ...counts, ratio: ratio(counts.hit, counts.hit + counts.miss + counts.error) }))

  return (
    <Layout title="Stats" refreshSeconds={refreshSeconds}>
      <h1>Stats</h1>
      <p class="lead">Since this process started {formatDuration(uptimeSeconds)} ago; this page refreshes every {refreshSeconds} s.</p>

      <section class="card" aria-labelledby="rate-heading">
        <h2 id="rate-heading">Requests per second</h2>
        <p>
          <strong>{(sum(recent) / Math.min(RECENT_SECONDS, window)).toFixed(1)}</strong> over the last {RECENT_SECONDS} s,{' '}
          <strong>{(sum(perSecond.slice(-window)) / window).toFixed(1)}</strong> over the last {window} s.
        </p>
        <RateChart perSecond={perSecond} />
      </section>

      <section class="card" aria-labelledby="ratio-heading">
        <h2 id="ratio-heading">Hit ratio per tier</h2>
        <ul class="ratios">
          {tiers.map((tier) => (
            <li>
              <span class="ratio-name">{tier.name}</span>
              <svg class="ratio-bar" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label={`${tier.name}: ${percent(tier.ratio)} hits`}>
                <rect x="0" y="0" width="100" height="8" class="bar-back" />
                <rect x="0" y="0" width={((tier.ratio ?? 0) * 100).toFixed(2)} height="8" class="bar-hit" />
              </svg>
              <span class="ratio-value">
                {percent(tier.ratio)} <small>({tier.hit} hits, {tier.miss} misses{tier.error > 0 ? `, ${tier.error} errors` : ''})</small>
              </span>
            </li>
          ))}
        </ul>
        <p class="hint">Redis is asked only when the local cache misses. Raw figures: <a href="/metrics">/metrics</a>.</p>
      </section>
    </Layout>
  )
}

function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.floor(seconds)} s`
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min`
  return `${Math.floor(seconds / 3600)} h`
}
