import { StoreUnavailableError } from './errors.ts'
import type { TieredCacheEvents } from './tier-outcomes.ts'

/** A local-tier call whose failure is reported and bypassed: the request goes on without the tier. */
export async function callLocal<T>(events: TieredCacheEvents, operation: string, call: () => Promise<T>): Promise<{ value: T | undefined; failed: boolean }> {
  try {
    return { value: await call(), failed: false }
  } catch (error) {
    events.onLocalError?.(operation, error)
    return { value: undefined, failed: true }
  }
}

/** A Redis call whose unavailability is told to the events; the error goes on to the caller. */
export async function callRedis<T>(events: TieredCacheEvents, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (error instanceof StoreUnavailableError) events.onRedisError?.(operation, error)
    throw error
  }
}
