import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, drawn at random below the kernel's ephemeral
 * range. A port the kernel hands out (listen on 0) comes from the range every outgoing connection
 * takes its local port from: with four test files at once, a client connecting to Redis took a
 * proxy's port between the check and the proxy's listen. Below the range only another test's
 * choice can collide, and the servers are retried on another port when that happens.
 */
const LOWEST = 10_000
/** A Redis Cluster node's bus port is its port + 10,000: that one stays below the range too. */
const BUS_OFFSET = 10_000

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > 0 ? low : 32_768
  } catch {
    return 32_768 // Linux's default, and no /proc to read: the IANA range starts higher still
  }
}

const HIGHEST = ephemeralLow() - 1 - BUS_OFFSET

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

function kernelChoice(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export async function freePort(): Promise<number> {
  if (HIGHEST - LOWEST < 1_000) return kernelChoice() // an unusual range: leave the choice to the kernel
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1))
    if (await bindable(port)) return port
  }
  return kernelChoice()
}
