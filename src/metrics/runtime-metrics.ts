import { collectDefaultMetrics, type Registry } from 'prom-client'

/**
 * Gauges prom-client names with `_total`, which `promtool check metrics` rejects (only counters may
 * end so). Nothing is lost: `nodejs_active_handles{type}` and its siblings carry the same counts.
 */
const MISNAMED = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

/**
 * What Bun answers to Node's APIs without it being true of Bun, measured on bun 1.4.5:
 * `nodejs_version_info` is the Node.js version Bun emulates (build_info has Bun's own);
 * `process_heap_bytes` is VmData, gigabytes of address space JavaScriptCore reserves, not its heap;
 * the V8 heap figures are JavaScriptCore's under V8's names (used above total, every space "old");
 * there are no V8 garbage-collection events to time; active handles and requests are always empty.
 */
const UNTRUE_ON_BUN = [
  'nodejs_version_info',
  'process_heap_bytes',
  'nodejs_heap_size_total_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes',
  'nodejs_heap_space_size_total_bytes',
  'nodejs_heap_space_size_used_bytes',
  'nodejs_heap_space_size_available_bytes',
  'nodejs_gc_duration_seconds',
  'nodejs_active_handles',
  'nodejs_active_requests',
  'nodejs_active_resources',
]

/**
 * Process and runtime metrics under the names prom-client's defaults give them (`process_*`,
 * `nodejs_*`, unprefixed), so that stock Node.js dashboards and alerts find them; minus the ones
 * that would be wrong here.
 */
export function registerRuntimeMetrics(registry: Registry, runtime: 'bun' | 'node'): void {
  collectDefaultMetrics({ register: registry })
  for (const name of runtime === 'bun' ? [...MISNAMED, ...UNTRUE_ON_BUN] : MISNAMED) registry.removeSingleMetric(name)
}
