/**
 * What a request's `Cache-Control` asks of the local tier: `skip` it and read Redis (`no-cache`,
 * `max-age=0`: a client's read-your-writes switch, and what browsers send on reload), or answer from
 * it `only` (`only-if-cached`, RFC 9111 §5.2.1.7: never contact the origin). `only-if-cached` wins
 * when both are sent: it forbids the Redis read that the other asks for. Other directives ask nothing.
 */
export function localTierUse(header: string): 'skip' | 'only' | undefined {
  let use: 'skip' | undefined
  for (const part of header.split(',')) {
    const directive = part.trim().toLowerCase()
    if (directive === 'only-if-cached') return 'only'
    if (directive === 'no-cache' || MAX_AGE_ZERO.test(directive)) use = 'skip'
  }
  return use
}

const MAX_AGE_ZERO = /^max-age\s*=\s*"?0+"?$/
