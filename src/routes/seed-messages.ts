import type { Value } from '../cache/value.ts'
import type { ReadOutcome, TierStep, WriteOutcome } from '../cache/tiered-cache.ts'

/** The Flask seed's messages, word for word: old scripts parse them. */

const NAMES = { local: 'local', redis: 'redis' } as const

function readLine(step: TierStep): string {
  return step.outcome === 'hit' ? `<br><b>Key found in ${NAMES[step.tier]} cache</b>` : `<br>Key not found in ${NAMES[step.tier]} cache`
}

function writeLine(step: TierStep): string {
  const name = NAMES[step.tier]
  return step.outcome === 'hit'
    ? `<br><b>Key found in ${name} cache</b> Overriding!`
    : `<br>Key not found in ${name} cache<br>Setting key in ${name} cache`
}

export function readMessage(outcome: ReadOutcome): string {
  return outcome.steps.map(readLine).join('')
}

export function writeMessage(outcome: WriteOutcome): string {
  return outcome.steps.map(writeLine).join('')
}

const LOCAL_HIT_MESSAGE = readLine({ tier: 'local', outcome: 'hit', durationMs: 0 })

/**
 * The seed's `Value`; bytes that are not UTF-8 (written by other clients) cannot be a JSON string: they
 * come as base64 with `"encoding":"base64"`, as in /v1, rather than mangled into U+FFFD.
 */
function seedValue(value: Value): { Value: string } | { Value: string; encoding: 'base64' } {
  return typeof value === 'string' ? { Value: value } : { Value: value.toString('base64'), encoding: 'base64' }
}

/** The seed's JSON body for a local hit, without building a ReadOutcome: the hot path. */
export function localHitBody(key: string, value: Value) {
  return { Key: key, ...seedValue(value), message: LOCAL_HIT_MESSAGE, status: 'successful' }
}

/** The seed's JSON body for a key that was found. */
export function foundBody(outcome: ReadOutcome) {
  return { Key: outcome.key, ...seedValue(outcome.value!), message: readMessage(outcome), status: 'successful' }
}

/** The seed's JSON body for one pair written. */
export function writtenBody(outcome: WriteOutcome) {
  return { Key: outcome.key, ...seedValue(outcome.value), message: writeMessage(outcome), status: 'successful' }
}
