import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.ts'

/** One instant-vector sample of a Prometheus query. */
export interface QuerySample {
  metric: Record<string, string>
  value: number
}

export interface PrometheusProcess {
  readonly url: string
  /** An instant query through the HTTP API (`/api/v1/query`); throws when Prometheus refuses it. */
  query(promql: string): Promise<QuerySample[]>
  /** Everything the process printed (its log). */
  output(): string
  stop(): Promise<void>
}

export interface ScrapeJob {
  name: string
  target: string
  /** Sent as `Authorization: Bearer <token>` (scrape_config `authorization`). */
  bearerToken?: string
  intervalSeconds?: number
}

/** Debian's `prometheus` (apt-get install -y prometheus), on a free port, its TSDB in a throw-away directory. */
export async function startPrometheus(jobs: ScrapeJob[], timeoutMs = 20_000): Promise<PrometheusProcess> {
  if (spawnSync('prometheus', ['--version']).error) throw new Error('prometheus is not installed: apt-get install -y prometheus')
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'))
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: jobs.map(({ name, target, bearerToken, intervalSeconds = 1 }) => ({
      job_name: name,
      scrape_interval: `${intervalSeconds}s`,
      scrape_timeout: `${intervalSeconds}s`,
      ...(bearerToken === undefined ? {} : { authorization: { type: 'Bearer', credentials: bearerToken } }),
      static_configs: [{ targets: [target] }],
    })),
  }
  // JSON is YAML.
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config))
  const port = await freePort()
  const child = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stdout.on('data', (chunk) => (log += chunk))
  child.stderr.on('data', (chunk) => (log += chunk))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  process.once('exit', () => child.kill('SIGKILL'))
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }

  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) {
      await stop()
      throw new Error(`prometheus exited with ${child.exitCode}: ${log}`)
    }
    const ready = await fetch(`${url}/-/ready`).then((answer) => answer.ok, () => false)
    if (ready) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`prometheus was not ready within ${timeoutMs} ms: ${log}`)
    }
    await Bun.sleep(50)
  }

  return {
    url,
    async query(promql) {
      const answer = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`)
      const body = (await answer.json()) as { status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } }
      if (body.status !== 'success' || body.data?.resultType !== 'vector') throw new Error(`prometheus refused ${promql}: ${body.error ?? JSON.stringify(body)}`)
      return body.data.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }))
    },
    output: () => log,
    stop,
  }
}
