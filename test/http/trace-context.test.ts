import { expect, test } from 'bun:test'
import { formatTraceparent, parseTraceparent, randomSpanIds } from '../../src/http/trace-context.ts'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT = '00f067aa0ba902b7'

test('a version-00 traceparent is taken apart; any other form is ignored', () => {
  expect(parseTraceparent(`00-${TRACE}-${PARENT}-01`)).toEqual({ traceId: TRACE, parentId: PARENT, flags: '01' })
  expect(parseTraceparent(`00-${TRACE}-${PARENT}-00`)?.flags).toBe('00')
  for (const bad of [
    null,
    undefined,
    '',
    `01-${TRACE}-${PARENT}-01`, // a later version: not ours to guess
    `ff-${TRACE}-${PARENT}-01`,
    `00-${'0'.repeat(32)}-${PARENT}-01`, // all-zero ids are invalid
    `00-${TRACE}-${'0'.repeat(16)}-01`,
    `00-${TRACE.toUpperCase()}-${PARENT}-01`, // the spec's hex is lowercase
    `00-${TRACE}-${PARENT}-1`,
    `00-${TRACE}-${PARENT}-01-extra`,
    `00-${TRACE}-${PARENT}-01 `,
    ` 00-${TRACE}-${PARENT}-01`,
    `00-${TRACE.slice(1)}-${PARENT}-01`,
    `00_${TRACE}_${PARENT}_01`,
    `00-${TRACE}-${PARENT}-0g`,
    `00-${TRACE.slice(0, 31)}x-${PARENT}-01`,
  ]) {
    expect({ bad, parsed: parseTraceparent(bad) }).toEqual({ bad, parsed: undefined })
  }
})

test('new span ids are lowercase hex of 16 digits, random, and what the header carries', () => {
  const newSpanId = randomSpanIds(64)
  const spans = Array.from({ length: 1000 }, () => newSpanId())
  for (const id of spans) expect(id).toMatch(/^[0-9a-f]{16}$/)
  // The pool of 64 bytes (4 ids) is refilled many times over: no id repeats.
  expect(new Set(spans).size).toBe(1000)
  const header = formatTraceparent(TRACE, spans[0]!, '01')
  expect(parseTraceparent(header)).toEqual({ traceId: TRACE, parentId: spans[0]!, flags: '01' })
})
