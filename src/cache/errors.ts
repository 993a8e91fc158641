/** Typed failures of the stores, each with a stable code the HTTP layer maps to a status. */

export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable'
  constructor(
    readonly store: string,
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

/** The local tier was not asked: its circuit is open after failures, or it did not answer in time. */
export class LocalTierUnavailableError extends Error {
  readonly code = 'local_tier_unavailable'
  constructor(
    readonly tier: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'LocalTierUnavailableError'
  }
}
