import type { Logger, LogFields } from '../../src/logger.ts'

export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error'
  message: string
  fields: LogFields | undefined
}

/** A logger that keeps every line as an object, for tests that check what was logged. */
export function recordingLogger(): Logger & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = []
  const record = (level: LoggedLine['level']) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields })
  return {
    lines,
    level: 'debug',
    enabled: () => true,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    flush: () => {},
  }
}
