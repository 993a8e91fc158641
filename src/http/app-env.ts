import type { Tier } from '../cache/tiered-cache.ts'

/** What handlers tell the middleware around them, through Hono's context variables. */
export interface AppEnv {
  Variables: {
    /** The tier that answered, for the request log. */
    tier: Tier | 'none'
  }
}
