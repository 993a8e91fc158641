import { expect, test } from 'bun:test'
import { createLogger } from '../src/logger.ts'

test('lines below the level are dropped; an Error field is written as its name and message', () => {
  let written = ''
  const logger = createLogger({ level: 'info', write: (chunk) => (written += chunk) })
  logger.debug('hidden')
  logger.info('shown', { key: 'k"ey' })
  logger.error('failed', { error: new TypeError('boom') })
  const lines = written.trim().split('\n').map((line) => JSON.parse(line))
  expect(lines.map((line) => line.msg)).toEqual(['shown', 'failed'])
  expect(lines[0]).toMatchObject({ level: 'info', key: 'k"ey' })
  expect(lines[1].error).toEqual({ name: 'TypeError', message: 'boom' })
  expect(Date.parse(lines[1].time)).toBeGreaterThan(0)
})
