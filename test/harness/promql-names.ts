/**
 * The metric names a PromQL expression reads: what is left once strings, label matchers, ranges,
 * grouping clauses, numbers, keywords and function calls are taken out. Enough for our rules and
 * dashboard (promtool checks their syntax); not a PromQL parser.
 */
export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
  const names = new Set<string>()
  // Numbers first, with a unit (5m, 1e3, 0x1f), so that their letters are not read as names.
  const token = /(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?[a-zA-Z]*|\.\d+|0x[0-9a-fA-F]+)|([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g
  for (const [, number, name, call] of stripped.matchAll(token)) {
    if (number !== undefined || name === undefined || call !== undefined || KEYWORDS.has(name.toLowerCase())) continue
    names.add(name)
  }
  return [...names]
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'atan2'])
