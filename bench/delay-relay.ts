import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../test/harness/free-port.ts'
import { waitForPort } from '../test/harness/wait-for.ts'
import { cpuSecondsOf } from './processes.ts'

/** A running bench/relay/delay-relay.c: where to connect instead of the target, and its CPU time. */
export interface DelayRelay {
  readonly port: number
  readonly delayUs: number
  cpuSeconds: () => number
  stop: () => void
}

let binary: string | undefined

/** Compiles the relay once per bench run (cc -O2), into a temporary directory. */
function relayBinary(): string {
  if (binary) return binary
  const out = join(mkdtempSync(join(tmpdir(), 'delay-relay-')), 'delay-relay')
  const cc = spawnSync('cc', ['-O2', '-o', out, join(import.meta.dir, 'relay', 'delay-relay.c')], { encoding: 'utf8' })
  if (cc.status !== 0) throw new Error(`compiling the delay relay failed (a C compiler is needed: apt-get install -y gcc): ${cc.stderr}`)
  return (binary = out)
}

/** Relays a free loopback port to `targetPort`, holding each chunk `delayUs` each way. */
export async function startDelayRelay(targetPort: number, delayUs: number): Promise<DelayRelay> {
  const port = await freePort()
  const child = spawn(relayBinary(), [String(port), String(targetPort), String(delayUs)], { stdio: 'ignore' })
  process.once('exit', () => child.kill('SIGKILL'))
  await waitForPort(port, 10_000)
  return { port, delayUs, cpuSeconds: () => cpuSecondsOf(child.pid!), stop: () => void child.kill('SIGKILL') }
}
