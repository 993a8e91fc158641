import { mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A TCP port on 127.0.0.1 for a test's server, that no other test process will be given.
 *
 * - Below the kernel's ephemeral range. A port the kernel hands out (listen on 0) comes from the
 *   range every outgoing connection takes its local port from: with several test files at once, a
 *   client connecting to Redis took a proxy's port between the check and the proxy's listen.
 * - Reserved across the test workers: each port is a file in a shared directory, created
 *   exclusively and naming the worker's pid, and kept while that worker lives. Two workers drawing
 *   the same free port at once would otherwise both start a server on it; the loser's start-up
 *   check could even connect to the winner's server (a sentinel's port answered as a plain Redis).
 * - Free when drawn: something outside the tests may hold it.
 */
const LOWEST = 10_000
/** A Redis Cluster node's bus port is its port + 10,000: that one stays below the range too. */
const BUS_OFFSET = 10_000
const RESERVATIONS = join(tmpdir(), 'redis-proxy-test-ports')

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > 0 ? low : 32_768
  } catch {
    return 32_768 // Linux's default, and no /proc to read: the IANA range starts higher still
  }
}

const HIGHEST = ephemeralLow() - 1 - BUS_OFFSET

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true // being written by its holder this instant
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function claim(file: string): boolean {
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' })
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

/** The port is this process's now, unless a live process holds it; a gone process's reservation is taken over. */
export function reserve(port: number, directory = RESERVATIONS): boolean {
  mkdirSync(directory, { recursive: true })
  const file = join(directory, String(port))
  if (claim(file)) return true
  const holder = Number(readFileSync(file, 'utf8'))
  if (alive(holder)) return false
  try {
    unlinkSync(file)
  } catch {
    // another process took it over first: claim() below tells
  }
  return claim(file)
}

/** Ports this process holds in `directory` (for the harness's own test). */
export function reservedBy(pid: number, directory = RESERVATIONS): number[] {
  return readdirSync(directory)
    .filter((name) => {
      try {
        return Number(readFileSync(join(directory, name), 'utf8')) === pid
      } catch {
        return false
      }
    })
    .map(Number)
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

export async function freePort(): Promise<number> {
  if (HIGHEST - LOWEST < 1_000) throw new Error(`the ephemeral port range starts at ${HIGHEST + 1 + BUS_OFFSET}: too low to leave the tests ports below it`)
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1))
    if (reserve(port) && (await bindable(port))) return port
  }
  throw new Error(`no free port found between ${LOWEST} and ${HIGHEST}`)
}
