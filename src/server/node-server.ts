import { getRequestListener } from '@hono/node-server'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HttpServer, ServeOptions } from './http-server.ts'
import { answerClientError } from './node-client-error.ts'
import { inConnectionOrder } from './node-pipeline-order.ts'

export async function serveWithNode({ fetch, host, port }: ServeOptions): Promise<HttpServer> {
  const server = await new Promise<Server>((resolve, reject) => {
    const started = createServer(inConnectionOrder(getRequestListener(fetch, { hostname: host })))
    started.once('error', reject)
    started.listen(port, host, () => resolve(started))
  })
  server.keepAliveTimeout = 30_000
  server.on('clientError', answerClientError)
  return {
    port: (server.address() as AddressInfo).port,
    async stop(graceMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      // close() ends only the connections idle right now; a keep-alive connection whose request was
      // in flight stays open after its answer and would hold the stop for the whole grace period.
      server.closeIdleConnections()
      const sweeper = setInterval(() => server.closeIdleConnections(), 50)
      const timer = setTimeout(() => server.closeAllConnections(), graceMs)
      await closed
      clearInterval(sweeper)
      clearTimeout(timer)
    },
  }
}
