import { errorBody } from '../http/error-handler.ts'
import { securedJson } from '../http/security-headers.ts'
import { refusingTrailers } from './bun-chunked-trailer.ts'
import { withAbsoluteUrl } from './bun-request-target.ts'
import type { HttpServer, ServeOptions } from './http-server.ts'

const INTERNAL_ERROR = errorBody('internal_error', 'The proxy failed unexpectedly.')

export function serveWithBun({ fetch, host, port, reusePort = false }: ServeOptions): HttpServer {
  const server = Bun.serve({
    fetch(request) {
      const target = withAbsoluteUrl(request)
      return target instanceof Response ? target : fetch(refusingTrailers(target))
    },
    // Never Bun's development error page (it shows source lines and paths), whatever NODE_ENV says.
    development: false,
    error: () => securedJson(INTERNAL_ERROR, 500),
    hostname: host,
    port,
    reusePort,
    idleTimeout: 30,
    // Bun's own limit (128 MiB by default) answers a bare 413 without our JSON: our routes bound
    // their bodies themselves (requestBodyLimit: a declared Content-Length before reading, a chunked
    // body as it streams), and a body no route reads is discarded as it arrives (RSS stayed flat
    // through 600 MB sent to /healthz).
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
  })
  return {
    port: server.port ?? port,
    async stop(graceMs) {
      const graceful = server.stop(false)
      let timer: ReturnType<typeof setTimeout> | undefined
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs)
      })
      await Promise.race([graceful, deadline])
      clearTimeout(timer)
      await server.stop(true)
    },
  }
}
