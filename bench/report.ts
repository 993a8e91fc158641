import type { CaseSpec, ServerId } from './cases.ts'
import type { Runtime } from './processes.ts'
import type { LoadResult } from './wrk.ts'

/** One case on one runtime, over all rounds. */
export interface CaseResult {
  runtime: Runtime
  id: string
  label: string
  server: ServerId
  rawBaseline: ServerId | undefined
  rounds: LoadResult[]
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  cpuUsPerRequest: number
  relayCpuUsPerRequest: number | undefined
  /** Highest RSS of the server process seen after a round, MB. */
  rssMb: number
  vsCeiling: number | undefined
  vsRaw: number | undefined
  /** The baseline's CPU per request over this case's: the throughput ratio a CPU-bound server would reach. */
  cpuVsCeiling: number | undefined
  cpuVsRaw: number | undefined
}

export interface MemoryTierResult {
  runtime: Runtime
  keys: number
  valueBytes: number
  rssBeforeMb: number
  rssFilledMb: number
  rssSettledMb: number
  setNs: number
  getNs: number
  peekNs: number
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const BASELINE_CASE: Partial<Record<ServerId, string>> = { ceiling: 'ceiling', ioredis: 'raw-ioredis', memjs: 'raw-memjs' }

/** Medians over rounds, then each case's ratio to the ceiling and to its raw client, on the same runtime. */
export function summarize(spec: CaseSpec, runtime: Runtime, rounds: LoadResult[], rss: number[]): CaseResult {
  return {
    runtime,
    id: spec.id,
    label: spec.label,
    server: spec.server,
    rawBaseline: spec.rawBaseline,
    rounds,
    requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    cpuUsPerRequest: median(rounds.map((r) => r.cpuUsPerRequest)),
    relayCpuUsPerRequest: rounds[0]?.relayCpuUsPerRequest === undefined ? undefined : median(rounds.map((r) => r.relayCpuUsPerRequest!)),
    rssMb: Math.max(...rss),
    vsCeiling: undefined,
    vsRaw: undefined,
    cpuVsCeiling: undefined,
    cpuVsRaw: undefined,
  }
}

/**
 * Ratios of medians, and the median of per-round ratios (a case and its baseline ran close together
 * in each round, so the per-round ratio cancels some of the machine's drift): the table shows the latter.
 */
export function addRatios(results: CaseResult[]): void {
  const find = (runtime: Runtime, id: string | undefined) => results.find((r) => r.runtime === runtime && r.id === id)
  const ratio = (a: CaseResult, b: CaseResult | undefined) =>
    b ? median(a.rounds.map((round, i) => round.requestsPerSecond / (b.rounds[i]?.requestsPerSecond ?? NaN))) : undefined
  for (const result of results) {
    if (result.server === 'ceiling' || result.server === 'ioredis' || result.server === 'memjs' || result.server.startsWith('webdis')) continue
    const ceiling = find(result.runtime, BASELINE_CASE.ceiling)
    const raw = result.rawBaseline ? find(result.runtime, BASELINE_CASE[result.rawBaseline]) : undefined
    result.vsCeiling = ratio(result, ceiling)
    result.vsRaw = ratio(result, raw)
    result.cpuVsCeiling = ceiling ? ceiling.cpuUsPerRequest / result.cpuUsPerRequest : undefined
    result.cpuVsRaw = raw ? raw.cpuUsPerRequest / result.cpuUsPerRequest : undefined
  }
}

const fixed = (value: number | undefined, digits: number) => (value === undefined || Number.isNaN(value) ? '' : value.toFixed(digits))

/** A Markdown table: the same text goes to the terminal and into the README. */
export function table(results: CaseResult[]): string {
  const rows = [
    ['runtime', 'case', 'req/s', 'p50 ms', 'p99 ms', 'RSS MB', '÷ ceiling', '÷ raw client', 'CPU µs/req', 'CPU ÷ ceiling', 'CPU ÷ raw', 'relay CPU µs/req'],
    ...results.map((r) => [
      r.server.startsWith('webdis') ? 'C' : r.runtime,
      r.label,
      Math.round(r.requestsPerSecond).toLocaleString('en-US'),
      fixed(r.p50Ms, 2),
      fixed(r.p99Ms, 2),
      fixed(r.rssMb, 0),
      fixed(r.vsCeiling, 2),
      fixed(r.vsRaw, 2),
      fixed(r.cpuUsPerRequest, 1),
      fixed(r.cpuVsCeiling, 2),
      fixed(r.cpuVsRaw, 2),
      fixed(r.relayCpuUsPerRequest, 1),
    ]),
  ]
  return markdown(rows, [false, false, true, true, true, true, true, true, true, true, true, true])
}

export function memoryTable(results: MemoryTierResult[]): string {
  const rows = [
    ['runtime', 'keys × value', 'RSS before MB', 'RSS filled MB', 'RSS settled MB', 'set ns', 'get ns', 'peek ns'],
    ...results.map((r) => [r.runtime, `${r.keys.toLocaleString('en-US')} × ${r.valueBytes} B`, String(r.rssBeforeMb), String(r.rssFilledMb), String(r.rssSettledMb ?? '–'), String(r.setNs), String(r.getNs), String(r.peekNs)]),
  ]
  return markdown(rows, [false, false, true, true, true, true, true, true])
}

function markdown(rows: string[][], right: boolean[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  const line = (row: string[]) => `| ${row.map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`
  const rule = `|${widths.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n')
}
