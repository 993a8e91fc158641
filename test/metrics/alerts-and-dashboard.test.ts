import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promqlMetricNames } from '../harness/promql-names.ts'
import { promtool } from '../harness/promtool.ts'
import { ROOT, startProxy, type ProxyProcess } from '../harness/proxy-process.ts'
import { startMemcached, startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { eventually } from '../harness/wait-for.ts'
import { parseExposition } from './exposition.ts'

const RULES_FILE = join(ROOT, 'docs', 'alerts.yml')

interface Rule { alert?: string; record?: string; expr: string }
const ruleExprs = (Bun.YAML.parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((group) => group.rules.map((rule) => rule.expr))

interface Panel { title?: string; targets?: { expr?: string }[]; panels?: Panel[] }
const dashboard = JSON.parse(readFileSync(join(ROOT, 'docs', 'grafana-dashboard.json'), 'utf8')) as { panels: Panel[]; templating: { list: { query?: unknown }[] } }
const panelExprs = (panels: Panel[]): string[] => panels.flatMap((panel) => [...(panel.targets ?? []).flatMap((target) => (target.expr ? [target.expr] : [])), ...panelExprs(panel.panels ?? [])])
/** Grafana's variables as Prometheus would see them once Grafana has filled them in. */
const filledIn = (expr: string) => expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s').replaceAll('$instance', '.*')
const dashboardExprs = panelExprs(dashboard.panels).map(filledIn)
/** `label_values(metric, label)` of the variables: their metric must exist too. */
const variableMetrics = dashboard.templating.list.flatMap(({ query }) => {
  const text = typeof query === 'string' ? query : ((query as { query?: string } | undefined)?.query ?? '')
  const named = /label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,/.exec(text)
  return named ? [named[1]!] : []
})

test('promtool check rules accepts docs/alerts.yml, with the alerts the operations need', () => {
  const { status, output } = promtool(['check', 'rules', RULES_FILE])
  expect(output).not.toMatch(/warn|error/i)
  expect(status).toBe(0)
  const alerts = (Bun.YAML.parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((group) => group.rules.map((rule) => rule.alert))
  expect(alerts).toEqual(expect.arrayContaining(['RedisProxyRedisDisconnected', 'RedisProxyRedisCommandsFailing', 'RedisProxyCircuitBreakerOpen', 'RedisProxyOverloaded', 'RedisProxyStalenessBoundExceeded', 'RedisProxyLocalTierSkipped', 'RedisProxyHigh5xxRate']))
})

test('every dashboard expression is PromQL that promtool accepts', () => {
  expect(dashboardExprs.length).toBeGreaterThan(15)
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-rules-'))
  try {
    const rules = { groups: [{ name: 'dashboard', rules: dashboardExprs.map((expr, i) => ({ record: `dashboard:panel_${i}`, expr })) }] }
    // JSON is YAML: no YAML writer needed.
    writeFileSync(join(dir, 'rules.yml'), JSON.stringify(rules))
    const { status, output } = promtool(['check', 'rules', join(dir, 'rules.yml')])
    expect(output).toContain(`SUCCESS: ${dashboardExprs.length} rules found`)
    expect(status).toBe(0)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('promtool test rules: the staleness and 5xx alerts fire on series that break them, and not before', () => {
  const { status, output } = promtool(['test', 'rules', join(ROOT, 'test', 'metrics', 'alerts.test.yml')])
  expect(output).toContain('SUCCESS')
  expect(status).toBe(0)
})

describe('the metric names the rules and the dashboard use', () => {
  let redis: ServiceProcess
  let memcached: ServiceProcess
  const proxies: ProxyProcess[] = []
  beforeAll(async () => {
    ;[redis, memcached] = await Promise.all([startRedis(), startMemcached()])
    const redisUrl = `redis://127.0.0.1:${redis.port}`
    // Between them every series exists: the memory tier's entries, the Memcached tier's breaker, each runtime's process metrics.
    proxies.push(await startProxy('bun', { REDIS_URL: redisUrl, LOCAL_CACHE: 'memory' }), await startProxy('node', { REDIS_URL: redisUrl, LOCAL_CACHE: 'memcached', MEMCACHED_SERVERS: `127.0.0.1:${memcached.port}` }))
  }, 40_000)
  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.stop()))
    await Promise.all([redis?.stop(), memcached?.stop()])
  })

  test('all exist in real scrapes (a histogram as its _bucket, _sum and _count)', async () => {
    const exported = new Set(['up']) // made by Prometheus for every scrape
    for (const proxy of proxies) {
      await fetch(`${proxy.url}/v1/keys/k`, { method: 'PUT', body: '{"value":"v"}', headers: { 'Content-Type': 'application/json' } })
      for (const path of ['/v1/keys/k', '/v1/keys/absent']) await fetch(`${proxy.url}${path}`)
      await eventually(async () => (await (await fetch(`${proxy.url}/metrics`)).text()).match(/^redis_proxy_invalidation_heartbeat_seconds_count [1-9]/m) !== null, 'a first heartbeat', 10_000, 50)
      const samples = parseExposition(await (await fetch(`${proxy.url}/metrics`)).text()).samples
      for (const series of samples.keys()) exported.add(series.replace(/\{.*$/, ''))
    }
    const used = [...ruleExprs, ...dashboardExprs].flatMap(promqlMetricNames).concat(variableMetrics)
    expect(used.length).toBeGreaterThan(30)
    const missing = [...new Set(used)].filter((name) => !exported.has(name))
    expect(missing).toEqual([])
  }, 30_000)
})
