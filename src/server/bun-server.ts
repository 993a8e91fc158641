import type { HttpServer, ServeOptions } from './http-server.ts'

export function serveWithBun({ fetch, host, port, reusePort = false }: ServeOptions): HttpServer {
  const server = Bun.serve({ fetch, hostname: host, port, reusePort, idleTimeout: 30 })
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
