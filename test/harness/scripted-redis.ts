import { EventEmitter } from 'node:events'
import type { Redis } from 'ioredis'

/** One command sent to a ScriptedRedis: it stays pending until the test answers it. */
export interface ScriptedCall {
  command: string
  args: unknown[]
  resolve(value: unknown): void
  reject(error: unknown): void
}

/**
 * A stand-in for an ioredis connection whose every command waits for the test to answer it, so a test
 * decides the order in which answers and connection events (`close`, `ready`) arrive. Only the few
 * commands the invalidation listener sends exist.
 */
export class ScriptedRedis extends EventEmitter {
  status = 'ready'
  /** Every command sent, in order, answered or not. */
  readonly calls: ScriptedCall[] = []
  /** Every `disconnect`: let go for good, or to reconnect (`disconnect(true)`). */
  readonly disconnects: ('let go' | 'reconnect')[] = []
  private readonly waiting: { command: string; found: (call: ScriptedCall) => void }[] = []
  private readonly answered = new Set<ScriptedCall>()

  constructor(readonly options: Record<string, unknown> = {}) {
    super()
  }

  client(...args: unknown[]): Promise<unknown> {
    return this.send('client', args)
  }

  info(...args: unknown[]): Promise<unknown> {
    return this.send('info', args)
  }

  subscribe(...args: unknown[]): Promise<unknown> {
    return this.send('subscribe', args)
  }

  call(...args: unknown[]): Promise<unknown> {
    return this.send('call', args)
  }

  ping(...args: unknown[]): Promise<unknown> {
    return this.send('ping', args)
  }

  connect(): Promise<void> {
    return this.send('connect', []).then(() => {})
  }

  disconnect(reconnect?: boolean): void {
    this.disconnects.push(reconnect ? 'reconnect' : 'let go')
  }

  /** Commands of this name sent so far. */
  sent(command: string): ScriptedCall[] {
    return this.calls.filter((call) => call.command === command)
  }

  /** The oldest unanswered `command` sent so far. */
  pending(command: string): ScriptedCall | undefined {
    return this.calls.find((candidate) => candidate.command === command && !this.answered.has(candidate))
  }

  /** The oldest unanswered `command`, once it has been sent. */
  next(command: string): Promise<ScriptedCall> {
    const call = this.pending(command)
    if (call) return Promise.resolve(call)
    return new Promise((found) => this.waiting.push({ command, found }))
  }

  /** Answers the oldest unanswered `command` with `value` (waiting for it to be sent). */
  async answer(command: string, value: unknown): Promise<void> {
    ;(await this.next(command)).resolve(value)
  }

  /** Fails the oldest unanswered `command` with `error` (waiting for it to be sent). */
  async fail(command: string, error: unknown): Promise<void> {
    ;(await this.next(command)).reject(error)
  }

  /** The connection as its type, for code that takes one. */
  get asRedis(): Redis {
    return this as unknown as Redis
  }

  private send(command: string, args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call: ScriptedCall = {
        command,
        args,
        resolve: (value) => {
          this.answered.add(call)
          resolve(value)
        },
        reject: (error) => {
          this.answered.add(call)
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- tests fail a command with anything, non-Errors included
          reject(error)
        },
      }
      this.calls.push(call)
      const index = this.waiting.findIndex((waiter) => waiter.command === command)
      if (index >= 0) this.waiting.splice(index, 1)[0]!.found(call)
    })
  }
}

/** The `INFO server` reply of a server with this run_id (a line among others, as Redis sends it). */
export function infoServer(runId: string): string {
  return `# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\nrun_id:${runId}\r\ntcp_port:6379\r\n`
}

/** Lets every promise callback already queued run (answers propagate through a few awaits). */
export async function settled(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
}
