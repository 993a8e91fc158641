/** A listening HTTP server, whichever runtime runs it. */
export interface HttpServer {
  readonly port: number
  /** Stops accepting, lets requests in flight finish (up to `graceMs`), then closes. */
  stop(graceMs: number): Promise<void>
}

export interface ServeOptions {
  fetch: (request: Request) => Response | Promise<Response>
  host: string
  port: number
  /** Several processes may listen on the same port (WORKERS > 1). */
  reusePort?: boolean
}

/** Serves with Bun.serve on Bun and @hono/node-server on Node. */
export async function serve(options: ServeOptions): Promise<HttpServer> {
  if (typeof Bun !== 'undefined') return (await import('./bun-server.ts')).serveWithBun(options)
  return (await import('./node-server.ts')).serveWithNode(options)
}
