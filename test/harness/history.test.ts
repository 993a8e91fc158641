import { describe, expect, test } from 'bun:test'
import { checkHistory, History, type Observed } from './history.ts'

/** Hand-made histories on a clock the test sets: the checker must catch what it exists to catch. */
function scripted() {
  let time = 0
  const history = new History(['k', 'j'], () => time)
  const at = (ms: number) => {
    time = ms
  }
  const write = (key: string, value: Observed, from: number, to: number, { ttlMs, outcome = 'acknowledged' }: { ttlMs?: number; outcome?: 'acknowledged' | 'unknown' | 'refused' } = {}) => {
    at(from)
    const handle = history.write(key, value, 'a', ttlMs)
    at(to)
    handle[outcome]()
  }
  /** `undefined`: the read failed (a 503). */
  const read = (key: string, from: number, to: number, value: Observed | undefined) => {
    at(from)
    const handle = history.read(key, 'b')
    at(to)
    if (value === undefined) handle.failed()
    else handle.returned(value, 'local')
  }
  const flush = (from: number, to: number) => {
    at(from)
    const handle = history.flush('redis')
    at(to)
    handle.acknowledged()
  }
  return { history, write, read, flush, check: (boundMs = 100) => checkHistory(history, { boundMs }) }
}

describe('the history checker', () => {
  test('catches a read of a value overwritten, by a write acknowledged before it, longer ago than the bound', () => {
    const h = scripted()
    h.write('k', 'v1', 0, 10)
    h.write('k', 'v2', 20, 30)
    h.read('k', 200, 201, 'v1')
    const verdict = h.check()
    expect(verdict.worstStalenessMs).toBe(170)
    expect(verdict.staleReads).toHaveLength(1)
    expect(verdict.staleReads[0]!.read.value).toBe('v1')
  })

  test('allows a read within the bound of the overwrite', () => {
    const h = scripted()
    h.write('k', 'v1', 0, 10)
    h.write('k', 'v2', 20, 30)
    h.read('k', 120, 121, 'v1')
    expect(h.check()).toMatchObject({ readsChecked: 1, worstStalenessMs: 90, staleReads: [] })
  })

  test('allows either value of two overlapping writes, however late the read', () => {
    const h = scripted()
    h.write('k', 'v1', 10, 50)
    h.write('k', 'v2', 20, 40)
    h.read('k', 5000, 5001, 'v1')
    h.read('k', 5000, 5001, 'v2')
    expect(h.check()).toMatchObject({ readsChecked: 2, worstStalenessMs: 0, staleReads: [], impossibleReads: [] })
  })

  test('allows the old or the new value to a read that overlaps the write', () => {
    const h = scripted()
    h.write('k', 'v1', 0, 10)
    h.write('k', 'v2', 100, 300)
    h.read('k', 150, 160, 'v1')
    h.read('k', 150, 160, 'v2')
    expect(h.check()).toMatchObject({ worstStalenessMs: 0, impossibleReads: [] })
  })

  test('but not, later, the old one again', () => {
    const h = scripted()
    h.write('k', 'v1', 0, 10)
    h.write('k', 'v2', 100, 300)
    h.read('k', 600, 601, 'v1')
    expect(h.check().worstStalenessMs).toBe(300)
  })

  test('calls impossible a value written only after the read ended, or never written', () => {
    const h = scripted()
    h.read('k', 0, 10, 'v1')
    h.write('k', 'v1', 20, 30)
    h.read('k', 40, 50, 'nobody wrote this')
    expect(h.check().impossibleReads.map((read) => read.value)).toEqual(['v1', 'nobody wrote this'])
  })

  test('a delete overwrites a value; absence before the first write is legal, after an acknowledged write it is stale', () => {
    const h = scripted()
    h.read('k', 0, 1, null)
    h.write('k', 'v1', 5, 10)
    h.write('k', null, 20, 30)
    h.read('k', 500, 501, 'v1')
    h.read('k', 500, 501, null)
    h.write('j', 'w1', 5, 10)
    h.read('j', 300, 301, null)
    const verdict = h.check()
    expect(verdict.staleReads.map(({ read, stalenessMs }) => [read.key, read.value, stalenessMs])).toEqual([
      ['k', 'v1', 470],
      ['j', null, 290],
    ])
  })

  test('a value with a TTL is overwritten by its expiry; the expiry does not undo a later write', () => {
    const h = scripted()
    h.write('k', 'v1', 0, 20, { ttlMs: 100 })
    h.read('k', 400, 401, 'v1')
    h.read('k', 400, 401, null)
    h.write('j', 'w1', 0, 10, { ttlMs: 1000 })
    h.write('j', 'w2', 20, 30)
    h.read('j', 2000, 2001, null)
    h.read('j', 2000, 2001, 'w2')
    const verdict = h.check()
    expect(verdict.staleReads.map(({ read, stalenessMs }) => [read.key, read.value, stalenessMs])).toEqual([
      ['k', 'v1', 280],
      ['j', null, 1990],
    ])
  })

  test('a write of unknown outcome may show up at any time and overwrites nothing', () => {
    const h = scripted()
    h.write('k', 'v1', 0, 10)
    h.write('k', 'v2', 20, 1020, { outcome: 'unknown' })
    h.write('k', 'v3', 30, 40, { outcome: 'refused' })
    h.read('k', 5000, 5001, 'v1')
    h.read('k', 5000, 5001, 'v2')
    h.read('k', 5000, 5001, 'v3')
    const verdict = h.check()
    expect(verdict.worstStalenessMs).toBe(0)
    expect(verdict.impossibleReads.map((read) => read.value)).toEqual(['v3'])
  })

  test('a flush overwrites every key', () => {
    const h = scripted()
    h.write('k', 'v1', 0, 10)
    h.write('j', 'w1', 0, 10)
    h.flush(20, 30)
    h.read('k', 300, 301, 'v1')
    h.read('j', 300, 301, 'w1')
    expect(h.check().staleReads.map(({ stalenessMs }) => stalenessMs)).toEqual([270, 270])
  })

  test('failed reads are counted, not checked', () => {
    const h = scripted()
    h.write('k', 'v1', 0, 10)
    h.read('k', 20, 30, undefined)
    expect(h.check()).toMatchObject({ readsChecked: 0, readsFailed: 1 })
  })

  test('finds an acknowledged write lost from the final state, and accepts every legal last value', () => {
    const h = scripted()
    h.write('k', 'v1', 0, 10)
    h.write('k', 'v2', 5, 15)
    h.write('j', 'w1', 0, 10)
    h.write('j', 'w2', 20, 30, { outcome: 'unknown' })
    const verdictFor = (k: Observed, j: Observed) => checkHistory(h.history, { boundMs: 100, final: { values: new Map([['k', k], ['j', j]]), at: 1000 } })
    expect(verdictFor('v1', 'w1').lostWrites).toEqual([])
    expect(verdictFor('v2', 'w2').lostWrites).toEqual([])
    expect(verdictFor(null, 'w0').lostWrites).toEqual([
      { key: 'k', final: null, legal: ['v1', 'v2'] },
      { key: 'j', final: 'w0', legal: ['w1', 'w2'] },
    ])
  })

  test('an expired value is not a legal final value, its absence is', () => {
    const h = scripted()
    h.write('k', 'v1', 0, 10, { ttlMs: 100 })
    const final = (value: Observed) => checkHistory(h.history, { boundMs: 100, final: { values: new Map([['k', value]]), at: 1000 } })
    expect(final(null).lostWrites).toEqual([])
    expect(final('v1').lostWrites).toHaveLength(1)
  })
})
