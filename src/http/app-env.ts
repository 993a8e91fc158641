import type { Tier } from '../cache/tiered-cache.ts'

/**
 * What one request tells the observer around `app.fetch` (see request-observer.ts): a plain record
 * passed as Hono's `env`, so that handlers report without a middleware and without `c.set` (a Map per request).
 */
export interface RequestObservation {
  /** The pattern of the route that answered (`/v1/keys/:key`), or `unmatched`. */
  route: string
  /** The tier that answered, for the request log. */
  tier: Tier | 'none' | undefined
  /** The key the request names, once checked (logged; values never are): `pathKey` and `queryKey` write it. */
  key: string | undefined
  /** How many keys a request of several names (/set, mget, mset): logged instead of the keys. See `observeKeys`. */
  keyCount: number | undefined
  /** This request's X-Request-Id: the client's, or a new one when the request is logged; undefined: none is sent. */
  readonly requestId: string | undefined
  /** This request's W3C `traceparent` for the answer (its trace, our span); undefined when the request is not logged. */
  readonly traceparent: string | undefined
  /** True when the handler's Response was born with X-Request-Id and traceparent (see `observedJson`): nothing to add. */
  idInAnswer: boolean
}

export interface AppEnv {
  Bindings: {
    observation: RequestObservation
  }
}
