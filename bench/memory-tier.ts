import { MemoryTier } from '../src/cache/tiers/memory-tier.ts'

/**
 * The in-process tier filled with KEYS keys of 100-byte values: RSS once filled (after a full GC),
 * RSS settled (3 s idle and another GC later)
 * and the time per set, get (the tier's async API) and peek (the synchronous hot-path read).
 * Prints one JSON line; bench/run.ts runs it on each runtime in its own process.
 */

const KEYS = Number(process.env.MEMORY_TIER_KEYS ?? 1_000_000)
const VALUE_BYTES = 100
const SETTLE_MS = 3000

function collectGarbage(): void {
  if (typeof Bun !== 'undefined') Bun.gc(true)
  else (globalThis as { gc?: () => void }).gc?.()
}

const rssMb = () => process.memoryUsage().rss / 1024 / 1024

collectGarbage()
const rssBefore = rssMb()
const tier = new MemoryTier({ capacity: KEYS, ttlSeconds: 300 })
const keyOf = (i: number) => `key:${i}`
const BATCH = 1000
/** Flat, distinct strings from JSON.parse, as the proxy gets values from request bodies; few temporaries. */
const valuesFrom = (first: number) =>
  JSON.parse(`[${Array.from({ length: Math.min(BATCH, KEYS - first) }, (_, i) => `"${String(first + i).padStart(VALUE_BYTES, 'v')}"`).join(',')}]`) as string[]

let setMs = 0
for (let first = 0; first < KEYS; first += BATCH) {
  const values = valuesFrom(first)
  const started = performance.now()
  for (let i = 0; i < values.length; i++) await tier.set(keyOf(first + i), values[i]!)
  setMs += performance.now() - started
}
collectGarbage()
const rssFilled = rssMb()

// What a running proxy holds: the allocator gives pages freed by the fill's temporaries back to the
// system only after a while (Bun's, libpas, scavenges in the background), so RSS right after filling
// overstates it by 30-60 MB on Bun. Measured again after an idle pause, as a proxy between bursts is.
await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
collectGarbage()
const rssSettled = rssMb()

// Keys are built before timing reads, so the time is the lookup's alone.
const probe = Array.from({ length: KEYS }, (_, i) => keyOf((i * 7919) % KEYS))
let started = performance.now()
let found = 0
for (const key of probe) if ((await tier.get(key)) !== undefined) found++
const getMs = performance.now() - started
started = performance.now()
for (const key of probe) if (tier.peek(key) !== undefined) found++
const peekMs = performance.now() - started

if (found !== 2 * KEYS || tier.size !== KEYS) throw new Error(`the tier lost keys: found ${found} of ${2 * KEYS}, size ${tier.size}`)

process.stdout.write(
  JSON.stringify({
    keys: KEYS,
    valueBytes: VALUE_BYTES,
    rssBeforeMb: Math.round(rssBefore),
    rssFilledMb: Math.round(rssFilled),
    rssSettledMb: Math.round(rssSettled),
    setNs: Math.round((setMs * 1e6) / KEYS),
    getNs: Math.round((getMs * 1e6) / KEYS),
    peekNs: Math.round((peekMs * 1e6) / KEYS),
  }) + '\n',
)
