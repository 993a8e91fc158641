import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ERROR_STATUS } from '../../src/http/error-codes.ts'

/** The README's error table: `| status | codes | when |` rows, each code in backticks. */
function documentedCodes(): Map<string, number> {
  const readme = readFileSync(join(import.meta.dir, '../../README.md'), 'utf8')
  const codes = new Map<string, number>()
  for (const line of readme.split('\n')) {
    const row = /^\| (\d{3}) \| ([^|]+) \|/.exec(line)
    if (!row) continue
    for (const [, code] of row[2]!.matchAll(/`([a-z_]+)`/g)) codes.set(code!, Number(row[1]))
  }
  return codes
}

test('every error code the proxy can answer is in the README table, with its status', () => {
  const documented = documentedCodes()
  const missing = Object.entries(ERROR_STATUS).filter(([code, status]) => documented.get(code) !== status)
  expect(missing).toEqual([])
})

test('the README documents no code the proxy cannot answer', () => {
  const unknown = [...documentedCodes().keys()].filter((code) => !(code in ERROR_STATUS))
  expect(unknown).toEqual([])
})
