import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect } from 'node:net'
import { maxBodyBytesFor } from '../../src/http/body-limit.ts'
import { eventually } from '../harness/wait-for.ts'
import { startProxy, type ProxyProcess, type Runtime } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

const TOKEN = 'e2e-token-9f3c'
const MAX_VALUE_BYTES = 1000
const AUTH = { Authorization: `Bearer ${TOKEN}` }

/** Writes raw bytes to the proxy and returns what it answered, once the answer's JSON body is in (or the socket ends). */
function rawExchange(port: number, head: string, bodyChunks: Iterable<Buffer>): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    const done = () => {
      socket.destroy()
      resolve(answer)
    }
    socket.on('data', (data) => {
      answer += data.toString('latin1')
      if (answer.includes('}}')) done()
    })
    socket.on('error', done)
    socket.on('close', done)
    socket.on('connect', () => void (async () => {
      socket.write(head)
      for (const chunk of bodyChunks) {
        if (answer || socket.destroyed) return
        if (!socket.write(chunk)) await new Promise((resume) => socket.once('drain', resume).once('close', resume))
      }
      socket.end()
    })())
  })
}

function* chunked(total: number, size: number): Generator<Buffer> {
  const payload = Buffer.alloc(size, 'x')
  for (let sent = 0; sent < total; sent += size) yield Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), payload, Buffer.from('\r\n')])
  yield Buffer.from('0\r\n\r\n')
}

let redis: ServiceProcess
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => redis.stop())

for (const runtime of ['bun', 'node'] as Runtime[]) {
  describe(`hostile input against the real ${runtime} server`, () => {
    let proxy: ProxyProcess
    beforeAll(async () => {
      proxy = await startProxy(runtime, {
        REDIS_URL: `redis://127.0.0.1:${redis.port}`,
        API_TOKEN: TOKEN,
        MAX_VALUE_BYTES: String(MAX_VALUE_BYTES),
        LOG_LEVEL: 'debug',
      })
    }, 30_000)
    afterAll(async () => proxy.stop())

    test('the token is required, works, and is never logged', async () => {
      let res = await fetch(`${proxy.url}/v1/keys/e2e`)
      expect(res.status).toBe(401)
      res = await fetch(`${proxy.url}/v1/keys/e2e`, { method: 'PUT', body: '{"value":"v"}', headers: { 'Content-Type': 'application/json', ...AUTH } })
      expect(res.status).toBe(200)
      res = await fetch(`${proxy.url}/v1/keys/e2e`, { headers: AUTH })
      expect(await res.json()).toEqual({ key: 'e2e', value: 'v', source: 'local' })
      expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200)
      // The request log comes through the proxy's stdout pipe, possibly after the answers.
      await eventually(() => proxy.output().includes('"status":401'), 'the refused request in the log', 5_000, 20)
      expect(proxy.output()).not.toContain(TOKEN)
    })

    test('broken JSON and a declared oversized body get their 4xx over HTTP', async () => {
      let res = await fetch(`${proxy.url}/set`, { method: 'POST', body: '{"a":', headers: { 'Content-Type': 'application/json', ...AUTH } })
      expect(res.status).toBe(400)
      expect((await res.json()).error.code).toBe('invalid_json')
      const big = JSON.stringify({ value: 'x'.repeat(maxBodyBytesFor(MAX_VALUE_BYTES)) })
      res = await fetch(`${proxy.url}/v1/keys/big`, { method: 'PUT', body: big, headers: { 'Content-Type': 'application/json', ...AUTH } })
      expect(res.status).toBe(413)
      expect((await res.json()).error.code).toBe('body_too_large')
    })

    test('an endless chunked body is cut off with 413, and the server keeps serving', async () => {
      const limit = maxBodyBytesFor(MAX_VALUE_BYTES)
      const head = `PUT /v1/keys/chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`
      const answer = await rawExchange(proxy.port, head, chunked(200 * limit, 16 * 1024))
      expect(answer).toStartWith('HTTP/1.1 413 ')
      expect(answer).toContain('"code":"body_too_large"')
      expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200)
    })

    test('malformed HTTP does not stop the process', async () => {
      await rawExchange(proxy.port, 'NOT HTTP AT ALL\r\n\r\n', [])
      await rawExchange(proxy.port, `GET /v1/keys/${'%'.repeat(5000)} HTTP/1.1\r\nHost: x\r\n\r\n`, [])
      await rawExchange(proxy.port, 'POST /set HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a"', [])
      const res = await fetch(`${proxy.url}/v1/keys/e2e`, { headers: AUTH })
      expect(res.status).toBe(200)
      expect(proxy.child.exitCode).toBeNull()
    })
  })
}
