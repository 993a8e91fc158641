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
}

/** One JSON object per line on stdout, buffered so that logging stays cheap on the hot path. */
export function createLogger({ level, write = (chunk) => process.stdout.write(chunk), maxBufferBytes = 64 * 1024 }: LoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(level)
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
    const record = { time: now(), level: lineLevel, msg: message, ...fields }
    // A replacer function takes JSON.stringify off its fast path: use it only for lines that carry an Error.
    buffer += (holdsError(fields) ? JSON.stringify(record, errorReplacer) : JSON.stringify(record)) + '\n'
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

function holdsError(fields: LogFields | undefined): boolean {
  if (fields === undefined) return false
  for (const key in fields) if (fields[key] instanceof Error) return true
  return false
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message }
  return value
}
