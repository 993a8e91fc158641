import { expect, test } from 'bun:test'
import { BUILD } from '../src/build-identity.ts'
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
  expect(written).not.toContain('stack')
  expect(Date.parse(lines[1].time)).toBeGreaterThan(0)
})

test('every line is one JSON object: messages are escaped, no fields or empty ones, clashing names kept apart', () => {
  let written = ''
  const logger = createLogger({ level: 'debug', write: (chunk) => (written += chunk), maxBufferBytes: 0, base: {} })
  logger.info('quote " and\nnewline')
  logger.info('empty', {})
  logger.info('undefined only', { key: undefined })
  logger.warn('clash', { msg: 'theirs', level: 'x', time: 1, kept: true })
  const raw = written.trim().split('\n')
  expect(raw).toHaveLength(4)
  const lines = raw.map((line) => JSON.parse(line))
  expect(lines[0]).toEqual({ time: expect.any(String), level: 'info', msg: 'quote " and\nnewline' })
  expect(Object.keys(lines[1])).toEqual(['time', 'level', 'msg'])
  expect(Object.keys(lines[2])).toEqual(['time', 'level', 'msg'])
  expect(lines[3]).toEqual({ time: expect.any(String), level: 'warn', msg: 'clash', field_msg: 'theirs', field_level: 'x', field_time: 1, kept: true })
  // No name appears twice in the text (JSON.parse would keep the last silently).
  expect(raw[3]!.match(/"msg":/g)).toHaveLength(1)
})

test('every line names the service and its version; a field of the same name does not replace them', () => {
  let written = ''
  const logger = createLogger({ level: 'info', write: (chunk) => (written += chunk), maxBufferBytes: 0 })
  logger.info('plain')
  logger.info('clash', { service: 'theirs', version: 0 })
  const lines = written.trim().split('\n').map((line) => JSON.parse(line))
  expect(lines[0]).toEqual({ time: expect.any(String), level: 'info', msg: 'plain', service: 'redis-proxy', version: BUILD.version })
  expect(BUILD.version).toMatch(/^\d+\.\d+\.\d+/)
  expect(lines[1]).toMatchObject({ service: 'redis-proxy', version: BUILD.version, field_service: 'theirs', field_version: 0 })
})

test('at debug an Error carries its stack and its cause; above debug neither stack is written', () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
  const failure = new Error('redis is unavailable', { cause })
  const logged = (level: 'debug' | 'info') => {
    let written = ''
    createLogger({ level, write: (chunk) => (written += chunk), maxBufferBytes: 0 }).error('failed', { error: failure })
    return JSON.parse(written) as { error: Record<string, unknown> & { stack?: string } }
  }
  const debug = logged('debug').error
  expect(debug.stack).toContain('logger.test.ts')
  expect(debug.cause).toMatchObject({ message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED', stack: expect.stringContaining('Error') })
  const info = logged('info').error
  expect(info).toEqual({ name: 'Error', message: 'redis is unavailable', cause: { name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' } })
})
