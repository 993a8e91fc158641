import { BUILD } from './build-identity.ts'
import { LOG_LEVELS, type LogLevel } from './config.ts'

export type LogFields = Record<string, unknown>

export interface Logger {
  readonly level: LogLevel
  enabled(level: Exclude<LogLevel, 'silent'>): boolean
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  /** Writes out what is buffered; call before exit. */
  flush(): void
}

export interface LoggerOptions {
  level: LogLevel
  /** Receives whole JSON lines, several at a time. */
  write?: (chunk: string) => void
  /** Lines are gathered and written once per tick or at this size, not one write per request. */
  maxBufferBytes?: number
  /** Fields every line carries, after `msg`: this process's `service` and `version` by default. */
  base?: LogFields
}

/** One JSON object per line on stdout, buffered so that logging stays cheap on the hot path. */
export function createLogger({ level, write = (chunk) => process.stdout.write(chunk), maxBufferBytes = 64 * 1024, base = { service: BUILD.service, version: BUILD.version } }: LoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(level)
  const format = lineFormat(base, { stacks: threshold <= LOG_LEVELS.indexOf('debug') })
  let buffer = ''
  let scheduled = false
  // Formatting a date costs more than the rest of a line: format once per millisecond.
  let stampedAt = 0
  let stamp = ''
  const now = () => {
    const ms = Date.now()
    if (ms !== stampedAt) {
      stampedAt = ms
      stamp = new Date(ms).toISOString()
    }
    return stamp
  }

  const flush = () => {
    scheduled = false
    if (buffer === '') return
    const chunk = buffer
    buffer = ''
    write(chunk)
  }

  const emit = (lineLevel: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(lineLevel) < threshold) return
    buffer += format(now(), lineLevel, message, fields) + '\n'
    if (buffer.length >= maxBufferBytes || lineLevel === 'error') flush()
    else if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }

  return {
    level,
    enabled: (lineLevel) => LOG_LEVELS.indexOf(lineLevel) >= threshold,
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    flush,
  }
}

type LineFormat = (time: string, level: string, message: string, fields: LogFields | undefined) => string

/**
 * `{"time","level","msg",...base,...fields}` as JSON. The base is serialized once; the fields are
 * stringified on their own and joined to the head as text: half the cost of spreading them into a
 * new object first (0.39 µs against 0.59 µs for a request line, Bun), which matters at one line per
 * request. A field named like one the line already has is renamed `field_<name>`, not duplicated.
 * With `stacks` (LOG_LEVEL=debug) an Error field carries its stack; otherwise its name and message.
 */
function lineFormat(base: LogFields, { stacks }: { stacks: boolean }): LineFormat {
  const reserved = new Set(['time', 'level', 'msg', ...Object.keys(base)])
  const baseJson = JSON.stringify(base)
  const tail = baseJson.length <= 2 ? '' : `,${baseJson.slice(1, -1)}`
  const replacer = (_key: string, value: unknown): unknown => (value instanceof Error ? errorFields(value, stacks) : value)
  return (time, level, message, fields) => {
    const head = `{"time":"${time}","level":"${level}","msg":${JSON.stringify(message)}${tail}`
    if (fields === undefined) return `${head}}`
    let clash = false
    let error = false
    for (const name in fields) {
      if (reserved.has(name)) clash = true
      if (fields[name] instanceof Error) error = true
    }
    const safe = clash ? Object.fromEntries(Object.entries(fields).map(([key, value]) => [reserved.has(key) ? `field_${key}` : key, value])) : fields
    // A replacer function takes JSON.stringify off its fast path: use it only for lines that carry an Error.
    const body = error ? JSON.stringify(safe, replacer) : JSON.stringify(safe)
    return body.length <= 2 ? `${head}}` : `${head},${body.slice(1)}`
  }
}

/** What a log line shows of an Error: its cause too (the replacer reaches it), its stack only at debug. */
function errorFields(error: Error, stacks: boolean): Record<string, unknown> {
  const code = (error as { code?: unknown }).code
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(stacks && error.stack !== undefined ? { stack: error.stack } : {}),
    ...(error.cause !== undefined ? { cause: error.cause } : {}),
  }
}
