import { expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, reserve, reservedBy } from './free-port.ts'

test('a port is reserved once: not again by this process or another live one; a gone process leaves it to the next', () => {
  const directory = mkdtempSync(join(tmpdir(), 'ports-'))
  try {
    expect(reserve(20_001, directory)).toBe(true)
    expect(reserve(20_001, directory)).toBe(false)
    // Held by a live process (this one's parent stands for another test worker).
    writeFileSync(join(directory, '20002'), String(process.ppid))
    expect(reserve(20_002, directory)).toBe(false)
    // Held by a process that has exited.
    const gone = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim()
    writeFileSync(join(directory, '20003'), gone)
    expect(reserve(20_003, directory)).toBe(true)
    expect(readFileSync(join(directory, '20003'), 'utf8')).toBe(String(process.pid))
    expect(reservedBy(process.pid, directory).sort()).toEqual([20_001, 20_003])
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
})

test('free ports lie below the ephemeral range, leave room for a Cluster bus port (+10,000) there, and are never handed out twice', async () => {
  const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
  const ports = await Promise.all(Array.from({ length: 50 }, () => freePort()))
  expect(new Set(ports).size).toBe(50)
  for (const port of ports) expect(port + 10_000).toBeLessThan(ephemeralLow!)
  expect(reservedBy(process.pid)).toEqual(expect.arrayContaining(ports))
})
