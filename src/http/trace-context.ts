import { randomFillSync } from 'node:crypto'

/** W3C Trace Context (https://www.w3.org/TR/trace-context/): what one request's `traceparent` says. */
export interface TraceParent {
  /** 32 lowercase hex digits, not all zero: the whole trace, across every service it passes. */
  readonly traceId: string
  /** 16 lowercase hex digits, not all zero: the caller's span, the parent of ours. */
  readonly parentId: string
  /** 2 hex digits; bit 0 is "sampled": the caller may have recorded its span. */
  readonly flags: string
}

/** Version 00 exactly: other versions and forms are ignored, as if the header were absent. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/
const ZERO_TRACE_ID = '0'.repeat(32)
const ZERO_SPAN_ID = '0'.repeat(16)

/** The incoming header's parts when it is a valid version-00 `traceparent`; undefined otherwise. */
export function parseTraceparent(header: string | null | undefined): TraceParent | undefined {
  if (header === null || header === undefined || header.length !== 55) return undefined
  const parts = TRACEPARENT.exec(header)
  if (!parts) return undefined
  const [, traceId, parentId, flags] = parts as unknown as [string, string, string, string]
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_SPAN_ID) return undefined
  return { traceId, parentId, flags }
}

export function formatTraceparent(traceId: string, spanId: string, flags: string): string {
  return `00-${traceId}-${spanId}-${flags}`
}

/**
 * Random span ids (16 hex digits, never all zero) from a pool of random bytes hex-encoded at once
 * (Buffer's native hex) and sliced as needed: one crypto fill and one encoding per 512 ids instead
 * of a randomUUID and its formatting per request.
 */
export function randomSpanIds(poolBytes = 4096): () => string {
  let pool = ''
  let at = 0
  const hex = (): string => {
    if (at + 16 > pool.length) {
      pool = randomFillSync(Buffer.allocUnsafe(poolBytes)).toString('hex')
      at = 0
    }
    return pool.slice(at, (at += 16))
  }
  return () => {
    let id = hex()
    while (id === ZERO_SPAN_ID) id = hex()
    return id
  }
}
