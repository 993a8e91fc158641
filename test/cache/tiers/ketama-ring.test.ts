import { describe, expect, test } from 'bun:test'
import HashRing from 'hashring'
import { KetamaRing } from '../../../src/cache/tiers/ketama-ring.ts'

const servers = (count: number) => Array.from({ length: count }, (_, i) => ({ address: `10.0.0.${i + 1}:11211` }))
const keys = Array.from({ length: 20_000 }, (_, i) => `key:${i}:${(i * 7919).toString(36)}`)

describe('KetamaRing', () => {
  test('puts every key on the server the hashring package (ketama mode) picks, for 1 to 6 servers', () => {
    for (let count = 1; count <= 6; count++) {
      const nodes = servers(count)
      const ours = new KetamaRing(nodes)
      const theirs = new HashRing(nodes.map((node) => node.address), 'md5', { compatibility: 'ketama' })
      const differing = keys.filter((key) => ours.serverFor(key).address !== theirs.get(key))
      expect({ count, differing: differing.length }).toEqual({ count, differing: 0 })
    }
  })

  test('adding a fourth server moves about a quarter of the keys, all of them onto it', () => {
    const three = new KetamaRing(servers(3))
    const four = new KetamaRing(servers(4))
    const added = servers(4)[3]!.address
    const moved = keys.filter((key) => three.serverFor(key).address !== four.serverFor(key).address)
    expect(moved.every((key) => four.serverFor(key).address === added)).toBe(true)
    expect(moved.length / keys.length).toBeGreaterThan(0.15)
    expect(moved.length / keys.length).toBeLessThan(0.35)
  })

  test('spreads keys over every server', () => {
    const ring = new KetamaRing(servers(3))
    const counts = new Map<string, number>()
    for (const key of keys) counts.set(ring.serverFor(key).address, (counts.get(ring.serverFor(key).address) ?? 0) + 1)
    expect(counts.size).toBe(3)
    for (const count of counts.values()) expect(count / keys.length).toBeGreaterThan(0.2)
  })
})
