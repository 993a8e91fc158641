import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../test/harness/free-port.ts'
import { waitForPort } from '../test/harness/wait-for.ts'
import { cpuSecondsOf, rssMbOf, type ServerProcess } from './processes.ts'

/** Webdis (C, Debian `webdis`), 2 threads, on the bench's Redis: the peer the proxy is compared with. */
export async function startWebdis(redisPort: number): Promise<ServerProcess> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'webdis-'))
  const config = join(dir, 'webdis.json')
  writeFileSync(
    config,
    JSON.stringify({ redis_host: '127.0.0.1', redis_port: redisPort, http_host: '127.0.0.1', http_port: port, threads: 2, daemonize: false, database: 0, verbosity: 0, logfile: join(dir, 'webdis.log') }),
  )
  const child = spawn('webdis', [config], { stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  process.once('exit', () => child.kill('SIGKILL'))
  await waitForPort(port, 10_000)
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    rssMb: () => rssMbOf(child.pid!),
    cpuSeconds: () => cpuSecondsOf(child.pid!),
    async stop(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill(signal)
      await exited
    },
  }
}
