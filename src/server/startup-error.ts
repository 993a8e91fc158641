/** A reason the process cannot start: main prints its one-line message on stderr and exits with code 2. */
export class StartupError extends Error {
  override readonly name = 'StartupError'
}

/** Says in one line why the server could not listen (busy port, address not on this host, privileged port). */
export function listenFailure(error: unknown, host: string, port: number): StartupError {
  const code = (error as { code?: unknown } | null)?.code
  const where = `${host}:${port}`
  switch (code) {
    case 'EADDRINUSE':
      return new StartupError(`Cannot listen on ${where}: the port is in use (EADDRINUSE). Stop what holds it, or set PORT to another port.`)
    case 'EADDRNOTAVAIL':
      return new StartupError(`Cannot listen on ${where}: the address is not on this machine (EADDRNOTAVAIL). Set HOST to one of its addresses.`)
    case 'EACCES':
      return new StartupError(`Cannot listen on ${where}: permission denied (EACCES). Use a PORT above 1023.`)
    default:
      return new StartupError(`Cannot listen on ${where}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
  }
}
