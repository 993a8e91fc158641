import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../harness/proxy-process.ts'

/** No Docker engine here to build it: the Dockerfile's promises, read from its text. */
const instructions = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))

test('base images pinned to exact versions; the runtime is Bun of the version the lockfile brings', () => {
  const bases = instructions.filter((line) => line.startsWith('FROM ')).map((line) => line.split(/\s+/)[1]!)
  for (const base of bases) expect(base).toMatch(/:\d+\.\d+\.\d+-/)
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> }
  expect(bases.at(-1)).toStartWith(`oven/bun:${lock.packages['node_modules/bun']!.version}-`)
})

test('dependencies from the lockfile with npm ci, without a fallback', () => {
  const installs = instructions.filter((line) => line.startsWith('RUN '))
  expect(installs.some((line) => line.includes('npm ci --omit=dev'))).toBe(true)
  for (const line of installs) expect(line).not.toMatch(/\|\||npm install|bun install/)
})

test('runs as a non-root user, with a HEALTHCHECK on /healthz and the server as the one plain command', () => {
  expect(instructions.filter((line) => line.startsWith('USER ')).at(-1)).toBe('USER bun')
  expect(instructions.find((line) => line.startsWith('HEALTHCHECK '))).toContain('/healthz')
  expect(instructions.filter((line) => line.startsWith('CMD ')).at(-1)).toBe('CMD ["bun", "src/main.ts"]')
})
