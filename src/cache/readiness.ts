import type { LocalTier } from './local-tier.ts'
import type { RedisStore } from './redis-store.ts'

export type TierState = 'up' | 'down' | 'disabled'

export interface Readiness {
  /** Ready means Redis answers: the local tier only speeds things up. */
  readonly ready: boolean
  readonly tiers: { readonly redis: TierState; readonly local: { readonly kind: LocalTier['name']; readonly state: TierState } }
}

export interface ReadinessProbeOptions {
  redis: RedisStore
  local: LocalTier
  timeoutMs: number
}

/** Pings each tier, each bounded by `timeoutMs`, and tells their state. */
export function createReadinessProbe({ redis, local, timeoutMs }: ReadinessProbeOptions): () => Promise<Readiness> {
  return async function probeReadiness() {
    const [redisState, localState] = await Promise.all([
      pingWithin(() => redis.ping(), timeoutMs),
      local.name === 'none' ? Promise.resolve<TierState>('disabled') : pingWithin(() => local.ping(), timeoutMs),
    ])
    return { ready: redisState === 'up', tiers: { redis: redisState, local: { kind: local.name, state: localState } } }
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
