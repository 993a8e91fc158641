import type { LocalTier } from './tiers/local-tier.ts'
import type { RedisStore } from './redis/redis-store.ts'
import type { CoherenceGate, LocalSkipReason } from './coherence/coherence-gate.ts'

export type TierState = 'up' | 'down' | 'disabled'

export interface Readiness {
  /** Ready means Redis answers: the local tier only speeds things up. */
  readonly ready: boolean
  readonly tiers: {
    readonly redis: TierState
    /**
     * `suspended`: not used while invalidations may be missed (given when the probe knows it);
     * `skipped`: why reads go past it now (suspended, or stale: the stream is not proven current).
     */
    readonly local: { readonly kind: LocalTier['name']; readonly state: TierState; readonly suspended?: boolean; readonly skipped?: LocalSkipReason }
  }
}

export interface ReadinessProbeOptions {
  redis: RedisStore
  local: LocalTier
  timeoutMs: number
  /** Whether local copies may be served now, and why not. */
  gate?: Pick<CoherenceGate, 'suspended' | 'localSkipReason'>
}

/** Pings each tier, each bounded by `timeoutMs`, and tells their state. */
export function createReadinessProbe({ redis, local, timeoutMs, gate }: ReadinessProbeOptions): () => Promise<Readiness> {
  return async function probeReadiness() {
    const [redisState, localState] = await Promise.all([
      pingWithin(() => redis.ping(), timeoutMs),
      local.name === 'none' ? Promise.resolve<TierState>('disabled') : pingWithin(() => local.ping(), timeoutMs),
    ])
    const skipped = gate?.localSkipReason()
    const suspension = gate && local.name !== 'none' ? { suspended: gate.suspended, ...(skipped ? { skipped } : {}) } : {}
    return { ready: redisState === 'up', tiers: { redis: redisState, local: { kind: local.name, state: localState, ...suspension } } }
  }
}

async function pingWithin(ping: () => Promise<void>, timeoutMs: number): Promise<TierState> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<TierState>((resolve) => {
    timer = setTimeout(() => resolve('down'), timeoutMs)
  })
  try {
    return await Promise.race([ping().then((): TierState => 'up', (): TierState => 'down'), timeout])
  } finally {
    clearTimeout(timer)
  }
}
