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

/** The seed's JSON body for a local hit, without building a ReadOutcome: the hot path. */
export function localHitBody(key: string, value: string) {
  return { Key: key, Value: value, message: LOCAL_HIT_MESSAGE, status: 'successful' }
}

/** The seed's JSON body for a key that was found. */
export function foundBody(outcome: ReadOutcome) {
  return { Key: outcome.key, Value: outcome.value, message: readMessage(outcome), status: 'successful' }
}

/** The seed's JSON body for one pair written. */
export function writtenBody(outcome: WriteOutcome) {
  return { Key: outcome.key, Value: outcome.value, message: writeMessage(outcome), status: 'successful' }
}
