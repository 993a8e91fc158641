/** Typed failures of the stores, each with a stable code the HTTP layer maps to a status. */

/**
 * Why a tier call failed, for metrics and logs: `timeout` it did not answer in time; `unreachable`
 * there was no connection to send it on; `error` any other failure the tier reported.
 */
export type FailureReason = 'timeout' | 'unreachable' | 'error'
export const FAILURE_REASONS: readonly FailureReason[] = ['timeout', 'unreachable', 'error']

export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable'
  constructor(
    readonly store: string,
    readonly reason: FailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'StoreUnavailableError'
  }
}

export class WrongTypeError extends Error {
  readonly code = 'wrong_type'
  constructor(readonly key: string) {
    super('The key holds a Redis value that is not a string (a list, a hash…); it cannot be read or written as a string.')
    this.name = 'WrongTypeError'
  }
}

/**
 * A local-tier call that failed (`reason`) or was not sent at all because the tier's circuit is
 * open (`circuit_open`: a skip, not a failure of this call).
 */
export class LocalTierUnavailableError extends Error {
  readonly code = 'local_tier_unavailable'
  constructor(
    readonly tier: string,
    readonly reason: FailureReason | 'circuit_open',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'LocalTierUnavailableError'
  }
}

/** Socket error codes that mean the server could not be reached (as opposed to a reply that was an error). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNABORTED'])

export function isUnreachableCode(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && UNREACHABLE_CODES.has(code)
}

/**
 * A write Redis may have applied, but fewer replicas than required (REDIS_MIN_REPLICAS) confirmed
 * holding it in time: it would be lost if the master died now. The outcome is unknown to the client.
 */
export class UnconfirmedWriteError extends StoreUnavailableError {
  constructor(
    readonly required: number,
    readonly confirmed: number | undefined,
    why: string,
    options?: { cause?: unknown },
  ) {
    super('redis', confirmed === undefined ? 'unreachable' : 'timeout', `The write was sent to the Redis master, but ${why}: its outcome is unknown (it may be applied). Retry it shortly.`, options)
    this.name = 'UnconfirmedWriteError'
  }
}
