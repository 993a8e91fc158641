import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { redisInspector } from '../harness/cache-fixtures.ts'
import { startProxy, type ProxyProcess, type Runtime } from '../harness/proxy-process.ts'
import { rawRequest, type RawAnswer } from '../harness/raw-http.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

/** What each runtime's own HTTP parser does with requests it refuses before our code runs. */

let redis: ServiceProcess
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => redis.stop())

const errorCode = (answer: RawAnswer | undefined) => (JSON.parse(answer?.body ?? '{}') as { error?: { code: string } }).error?.code

const withBytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))))

for (const runtime of ['bun', 'node'] as Runtime[]) {
  describe(`the real ${runtime} server's parser`, () => {
    let proxy: ProxyProcess
    const stored = async (key: string) => {
      const inspector = redisInspector(redis)
      try {
        return await inspector.get(key)
      } finally {
        inspector.disconnect()
      }
    }
    beforeAll(async () => {
      proxy = await startProxy(runtime, { REDIS_URL: `redis://127.0.0.1:${redis.port}` })
    }, 30_000)
    afterAll(async () => proxy.stop())

    test('bytes that are not UTF-8 in the path or query get a 400 and write nothing', async () => {
      const key = `${runtime}-raw`
      const body = '{"value":"v"}'
      const put = await rawRequest(proxy.port, withBytes(`PUT /v1/keys/${key}`, [0xff], ` HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`))
      expect(put.answers[0]?.status).toBe(400)
      // Bun turns the byte into U+FFFD, which our key check refuses; Node's parser refuses the byte itself.
      expect(errorCode(put.answers[0])).toBe(runtime === 'bun' ? 'invalid_key' : 'invalid_request')
      const get = await rawRequest(proxy.port, withBytes('GET /?key=a', [0xc3, 0x28], ' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))
      expect(get.answers[0]?.status).toBe(400)
      expect(await stored(`${key}\ufffd`)).toBeNull()
    })

    test('?key=%FF and ?key=a&%6bey=b are refused', async () => {
      let res = await fetch(`${proxy.url}/?key=%FF`)
      expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([400, 'invalid_key'])
      res = await fetch(`${proxy.url}/?key=a&%6bey=b`)
      expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([400, 'ambiguous_key'])
    })

    test('a chunked PUT with a trailer: the answer says what happened to the value', async () => {
      const key = `${runtime}-trailer`
      const request = `PUT /v1/keys/${key} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nd\r\n{"value":"t"}\r\n0\r\nX-Checksum: 1\r\n\r\n`
      const { answers } = await rawRequest(proxy.port, request)
      if (runtime === 'node') {
        // node:http reads and discards trailers: the PUT is done and says so.
        expect(answers[0]?.status).toBe(200)
        expect(await stored(key)).toBe('t')
      } else {
        // Bun's parser answers 400 on the trailer (oven-sh/bun#32887): nothing may be stored then.
        expect(answers[0]?.status).toBe(400)
        expect(await stored(key)).toBeNull()
        await Bun.sleep(100)
        expect(proxy.output()).not.toMatch(new RegExp(`"path":"/v1/keys/${key}"[^\\n]*"status":200`))
      }
      // The same PUT without a trailer is stored on both.
      const plain = request.replace('X-Checksum: 1\r\n', '')
      expect((await rawRequest(proxy.port, plain)).answers[0]?.status).toBe(200)
      expect(await stored(key)).toBe('t')
    })

    test('a declared Content-Length of 200 MB gets the contract body_too_large JSON', async () => {
      const { answers } = await rawRequest(proxy.port, 'PUT /v1/keys/big HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200000000\r\n\r\n{"value":"')
      expect(answers[0]?.status).toBe(413)
      expect(errorCode(answers[0])).toBe('body_too_large')
    })

    test('a 64 KB URL gets 431', async () => {
      const { answers } = await rawRequest(proxy.port, `GET /v1/keys/${'a'.repeat(65536)} HTTP/1.1\r\nHost: x\r\n\r\n`)
      expect(answers[0]?.status).toBe(431)
      if (runtime === 'node') expect(errorCode(answers[0])).toBe('headers_too_large')
    })

    test('a lower-case or unknown method, and bare LF line ends, as the README says', async () => {
      for (const method of ['get', 'FOO']) {
        const { answers, closed } = await rawRequest(proxy.port, `${method} /healthz HTTP/1.1\r\nHost: x\r\n\r\n`)
        if (runtime === 'node') {
          expect(answers[0]?.status).toBe(400)
          expect(JSON.parse(answers[0]!.body).error.message).toContain('method')
        } else {
          // Bun's parser closes the connection without an answer (oven-sh/bun#21566).
          expect({ answers: answers.length, closed }).toEqual({ answers: 0, closed: true })
        }
      }
      const { answers } = await rawRequest(proxy.port, 'GET /healthz HTTP/1.1\nHost: x\n\n')
      if (runtime === 'node') {
        expect(answers[0]?.status).toBe(400)
        expect(JSON.parse(answers[0]!.body).error.message).toContain('bare LF')
      } else {
        // Bun's parser answers 505 to a request line that ends in a bare LF.
        expect(answers[0]?.status).toBe(505)
      }
      expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200)
    })

    if (runtime === 'node') {
      test('pipelined requests are answered in order: a PUT then a GET on one socket sees the PUT', async () => {
        const body = '{"value":"piped"}'
        const request =
          `PUT /v1/keys/pipelined HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
          'GET /v1/keys/pipelined HTTP/1.1\r\nHost: x\r\n\r\n' +
          'DELETE /v1/keys/pipelined HTTP/1.1\r\nHost: x\r\n\r\n' +
          'GET /v1/keys/pipelined HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
        const { answers } = await rawRequest(proxy.port, request, { expected: 4 })
        expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 404])
        expect(JSON.parse(answers[1]!.body)).toMatchObject({ key: 'pipelined', value: 'piped' })
        expect(JSON.parse(answers[2]!.body)).toMatchObject({ deleted: true })
      })
    }
  })
}
