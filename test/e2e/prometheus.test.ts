import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startPrometheus, type PrometheusProcess, type QuerySample } from '../harness/prometheus-process.ts'
import { startProxy, type ProxyProcess } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

const TOKEN = 'scrape-token-5f2c9a'
const auth = { Authorization: `Bearer ${TOKEN}` }

/** Polls a query until `accept` takes its result; returns that result, or throws with the last one. */
async function settled(prometheus: PrometheusProcess, promql: string, accept: (result: QuerySample[]) => boolean, timeoutMs = 10_000): Promise<QuerySample[]> {
  const deadline = Date.now() + timeoutMs
  let result: QuerySample[] = []
  while (Date.now() < deadline) {
    result = await prometheus.query(promql)
    if (accept(result)) return result
    await Bun.sleep(200)
  }
  throw new Error(`${promql} never gave an acceptable result within ${timeoutMs} ms; last: ${JSON.stringify(result)}`)
}

const RUNTIMES = ['bun', 'node'] as const
type Runtime = (typeof RUNTIMES)[number]

/**
 * One Prometheus scrapes a Bun proxy and a Node proxy at once: it hands targets to its scrapers only
 * ~5 s after it starts, so one Prometheus for both runtimes waits for that once.
 */
describe('the proxy processes, seen from outside: a real Prometheus scraping them every second, their logs', () => {
  let redis: ServiceProcess
  const proxies = {} as Record<Runtime, ProxyProcess>
  let prometheus: PrometheusProcess
  beforeAll(async () => {
    redis = await startRedis()
    const [bun, node] = await Promise.all(RUNTIMES.map((runtime) => startProxy(runtime, { REDIS_URL: `redis://127.0.0.1:${redis.port}`, API_TOKEN: TOKEN })))
    proxies.bun = bun!
    proxies.node = node!
    prometheus = await startPrometheus([
      ...RUNTIMES.map((runtime) => ({ name: `redis-proxy-${runtime}`, target: `127.0.0.1:${proxies[runtime].port}`, bearerToken: TOKEN })),
      // The same target without the token: proves the scrapes above need it.
      { name: 'no-token', target: `127.0.0.1:${proxies.bun.port}` },
    ])
  }, 40_000)
  afterAll(async () => {
    await Promise.all([prometheus?.stop(), ...Object.values(proxies).map((proxy) => proxy.stop())])
    await redis?.stop()
  })

  test('up is 1 with the token (0 without); rate() of requests and a p99 of latency are sane on Bun and on Node', async () => {
    // Prometheus sends targets to its scrapers ~5 s after start: wait for the first scrapes.
    for (const runtime of RUNTIMES) {
      const [up] = await settled(prometheus, `up{job="redis-proxy-${runtime}"}`, (result) => result.length === 1, 15_000)
      expect(up!.value).toBe(1)
    }
    const [refused] = await settled(prometheus, 'up{job="no-token"}', (result) => result.length === 1)
    expect(refused!.value).toBe(0)

    // Traffic to both while Prometheus scrapes them every second, until the window of rate() lies within it.
    const sent: Record<Runtime, number> = { bun: 0, node: 0 }
    let sending = true
    const started = Date.now()
    const traffic = RUNTIMES.map(async (runtime) => {
      const { url } = proxies[runtime]
      while (sending) {
        const key = `k${sent[runtime] % 50}`
        const answers = await Promise.all([
          fetch(`${url}/v1/keys/${key}`, { method: 'PUT', body: '{"value":"v"}', headers: { ...auth, 'Content-Type': 'application/json' } }),
          fetch(`${url}/v1/keys/${key}`, { headers: auth }),
          fetch(`${url}/?key=${key}`, { headers: auth }),
          fetch(`${url}/v1/keys/absent-${sent[runtime]}`, { headers: auth }),
        ])
        for (const answer of answers) expect(answer.status).toBeLessThan(500)
        sent[runtime] += answers.length
        // ~150 requests a second to each: rate() needs a steady flow, not a flood that takes the cores from the tests beside this one.
        await Bun.sleep(25)
      }
    })
    const WINDOW = '5s'
    try {
      await Bun.sleep(5_500)
      for (const runtime of RUNTIMES) {
        const job = `redis-proxy-${runtime}`
        const [rate] = await settled(prometheus, `sum(rate(redis_proxy_http_requests_total{job="${job}",route!="/metrics"}[${WINDOW}]))`, (result) => result.length === 1 && result[0]!.value > 0)
        const clientRate = sent[runtime] / ((Date.now() - started) / 1000)
        expect(Number.isFinite(rate!.value)).toBe(true)
        // Prometheus extrapolates over its window: the same order of magnitude as what was sent, no tighter.
        expect(rate!.value).toBeGreaterThan(clientRate / 5)
        expect(rate!.value).toBeLessThan(clientRate * 5)

        const [p99] = await settled(prometheus, `histogram_quantile(0.99, sum by (le) (rate(redis_proxy_http_request_duration_seconds_bucket{job="${job}"}[${WINDOW}])))`, (result) => result.length === 1 && !Number.isNaN(result[0]!.value))
        expect(Number.isFinite(p99!.value)).toBe(true)
        expect(p99!.value).toBeGreaterThan(0)
        expect(p99!.value).toBeLessThan(1)
      }
    } finally {
      sending = false
      await Promise.all(traffic)
    }

    for (const runtime of RUNTIMES) {
      // Label values come through as exported: the route pattern, never the raw path.
      const routes = (await prometheus.query(`count by (route) (redis_proxy_http_requests_total{job="redis-proxy-${runtime}"})`)).map((sample) => sample.metric.route).sort()
      expect(routes).toEqual(expect.arrayContaining(['/', '/v1/keys/:key']))
      expect(routes.some((route) => route!.includes('absent'))).toBe(false)
    }
    expect(prometheus.output()).not.toContain(TOKEN)
  }, 40_000)

  for (const runtime of RUNTIMES) {
    test(`the ${runtime} proxy's log joins the caller's trace: traceparent in, the line's traceId, parentSpanId and spanId, traceparent out`, async () => {
      const proxy = proxies[runtime]
      const trace = runtime === 'bun' ? '0af7651916cd43dd8448eb211c80319c' : '4bf92f3577b34da6a3ce929d0e0e4736'
      const parent = 'b7ad6b7169203331'
      const answers = [
        await fetch(`${proxy.url}/v1/keys/traced-key`, { method: 'PUT', body: '{"value":"v"}', headers: { ...auth, 'Content-Type': 'application/json', traceparent: `00-${trace}-${parent}-01` } }),
        await fetch(`${proxy.url}/v1/keys/traced-key`, { headers: { ...auth, traceparent: `00-${trace}-${parent}-01` } }),
      ]
      const spans = answers.map((answer) => {
        expect(answer.status).toBe(200)
        const returned = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(answer.headers.get('traceparent') ?? '')
        expect(returned?.[1]).toBe(trace)
        return returned![2]!
      })
      const logged = () => proxy.output().split('\n').filter((line) => line.includes(trace)).map((line) => JSON.parse(line) as Record<string, unknown>)
      const deadline = Date.now() + 5_000
      while (logged().length < 2 && Date.now() < deadline) await Bun.sleep(20)
      expect(logged()).toEqual([
        expect.objectContaining({ service: 'redis-proxy', method: 'PUT', key: 'traced-key', traceId: trace, parentSpanId: parent, spanId: spans[0] }),
        expect.objectContaining({ service: 'redis-proxy', method: 'GET', key: 'traced-key', traceId: trace, parentSpanId: parent, spanId: spans[1] }),
      ])
      expect(proxy.output()).not.toContain(TOKEN)
    })
  }
})
