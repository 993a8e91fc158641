import { createHash } from 'node:crypto'

/** libketama's 40 hashes per server, 4 points from each MD5: 160 points per server of equal weight. */
const HASHES_PER_SERVER = 40
const POINTS_PER_HASH = 4

/**
 * Consistent hashing as libketama (and the `hashring` package in its default mode) does it: each
 * server `host:port` owns the points of MD5(`host:port-i`), a key goes to the first point at or after
 * MD5(key), wrapping round. Adding an Nth server moves about 1/N of the keys, and only onto it.
 */
export class KetamaRing<T extends { readonly address: string }> {
  private readonly points: Uint32Array
  private readonly owners: T[]

  constructor(servers: readonly T[]) {
    if (servers.length === 0) throw new Error('A ketama ring needs at least one server.')
    const points: { value: number; owner: T }[] = []
    // Computed in floating point as libketama does: with 3 servers it gives 39 hashes each, not 40.
    const hashes = Math.floor((1 / servers.length) * HASHES_PER_SERVER * servers.length)
    for (const server of servers) {
      for (let i = 0; i < hashes; i++) {
        const digest = md5(`${server.address}-${i}`)
        for (let j = 0; j < POINTS_PER_HASH; j++) points.push({ value: digest.readUInt32LE(j * 4), owner: server })
      }
    }
    points.sort((a, b) => a.value - b.value)
    this.points = Uint32Array.from(points, (point) => point.value)
    this.owners = points.map((point) => point.owner)
  }

  /** The server that owns `key`. */
  serverFor(key: string): T {
    const hash = md5(key).readUInt32LE(0)
    // The first point at or after the hash; past the last one, the ring wraps to the first.
    let low = 0
    let high = this.points.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (this.points[middle]! < hash) low = middle + 1
      else high = middle
    }
    return this.owners[low === this.points.length ? 0 : low]!
  }
}

function md5(text: string): Buffer {
  return createHash('md5').update(text, 'utf8').digest()
}
