/** An incoming X-Request-Id is kept when it looks like an id: short, no spaces or control characters. */
const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/

export function acceptedRequestId(incoming: string | undefined): string | undefined {
  return incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : undefined
}

/** Ids unique per process start and cheap to make: a random prefix and a counter, no crypto per request. */
export function requestIdGenerator(prefix = Math.random().toString(36).slice(2, 10)): () => string {
  let sequence = 0
  return () => `${prefix}-${(++sequence).toString(36)}`
}
