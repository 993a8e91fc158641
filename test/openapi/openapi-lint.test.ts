import { afterAll, beforeAll, expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { appFixture, localTierFor, type AppFixture } from '../harness/cache-fixtures.ts'
import { ROOT } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'

const REDOCLY = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js')

let redis: ServiceProcess
let f: AppFixture
let dir: string
beforeAll(async () => {
  redis = await startRedis()
  f = appFixture(redis, localTierFor('memory'))
  dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'))
})
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await f.close()
  await redis.stop()
})

/**
 * Redocly CLI's lint with its built-in `recommended` rules: run in an empty directory so that no
 * redocly.yaml can relax them, with telemetry and the update check off (it needs no network then).
 */
test('GET /openapi.json passes `redocly lint` (recommended rules) with no error and no warning', async () => {
  const res = await f.app.request('/openapi.json')
  expect(res.status).toBe(200)
  writeFileSync(join(dir, 'openapi.json'), await res.text())
  const run = spawnSync('node', [REDOCLY, 'lint', 'openapi.json', '--format=json'], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: dir, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    timeout: 60_000,
  })
  if (run.error) throw new Error(`redocly did not run (npm ci installs it): ${run.error.message}`)
  const start = run.stdout.indexOf('{')
  expect(start, `redocly printed no report: ${run.stdout}${run.stderr}`).toBeGreaterThanOrEqual(0)
  const report = JSON.parse(run.stdout.slice(start)) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] }
  expect(report.problems.map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual([])
  expect(report.totals).toMatchObject({ errors: 0, warnings: 0 })
  expect(run.status).toBe(0)
}, 90_000)
