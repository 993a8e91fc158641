import { expect, test } from 'bun:test'
import { answerThrows } from '../../src/http/answer-throws.ts'
import type { Fetch } from '../../src/http/fetch.ts'

const request = new Request('http://localhost/x')

test('a synchronous throw and a rejected promise both become the JSON 500, and are reported', async () => {
  const reported: unknown[] = []
  const failure = new Error('at /work/src/secret.ts:12')
  const throwing: Fetch[] = [() => { throw failure }, () => Promise.reject(failure)]
  for (const fetch of throwing) {
    const answer = await answerThrows(fetch, (error) => reported.push(error))(request)
    expect(answer.status).toBe(500)
    expect(answer.headers.get('content-type')).toBe('application/json')
    const text = await answer.text()
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal_error', message: expect.any(String) } })
    expect(text).not.toContain('secret')
  }
  expect(reported).toEqual([failure, failure])
})

test('a failing report does not turn the 500 back into a throw', async () => {
  const fails: Fetch = () => { throw new Error('x') }
  const guarded = answerThrows(fails, () => { throw new Error('log down') })
  expect((await guarded(request)).status).toBe(500)
})

test('answers pass through untouched', async () => {
  const ok = new Response('ok')
  const answers: Fetch = () => ok
  const answersLater: Fetch = () => Promise.resolve(ok)
  expect(answerThrows(answers, () => {})(request)).toBe(ok)
  expect(await answerThrows(answersLater, () => {})(request)).toBe(ok)
})
