/** A strict reader of the Prometheus text format (version 0.0.4), enough to check what we expose. */

export interface Exposition {
  types: Map<string, string>
  /** `name{labels}` exactly as written → value. */
  samples: Map<string, number>
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`
// Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case (prom-client writes "Nan").
const VALUE = '(?:[-+]?(?:\\d+\\.?\\d*(?:[eE][-+]?\\d+)?|\\.\\d+(?:[eE][-+]?\\d+)?)|[Nn][Aa][Nn]|[-+][Ii]nf)'
const SAMPLE = new RegExp(`^(${NAME})(\\{(?:${LABEL}(?:,${LABEL})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`)
const HELP = new RegExp(`^# HELP (${NAME}) .*$`)
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`)
const SUFFIXES = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] } as Record<string, string[]>

/** Throws on the first line that is not well-formed, or a sample whose family was not typed first. */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>()
  const samples = new Map<string, number>()
  text.split('\n').forEach((line, index) => {
    if (line === '' || HELP.test(line)) return
    const typed = TYPE.exec(line)
    if (typed) {
      if (types.has(typed[1]!)) throw new Error(`line ${index + 1}: ${typed[1]} typed twice`)
      types.set(typed[1]!, typed[2]!)
      return
    }
    const sample = SAMPLE.exec(line)
    if (!sample) throw new Error(`line ${index + 1} is not a well-formed sample: ${JSON.stringify(line)}`)
    const name = sample[1]!
    const family = [...types].find(([family, type]) => (SUFFIXES[type] ?? ['']).some((suffix) => name === family + suffix))
    if (!family) throw new Error(`line ${index + 1}: ${name} has no # TYPE before it`)
    const series = name + (sample[2] ?? '')
    if (samples.has(series)) throw new Error(`line ${index + 1}: ${series} appears twice`)
    samples.set(series, Number(sample[3]!.replace(/inf/i, 'Infinity').replace(/nan/i, 'NaN')))
  })
  return { types, samples }
}
