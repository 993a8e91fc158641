import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/**
 * node:http starts the handler of each pipelined request as soon as it is parsed: a GET sent behind
 * a PUT on one connection read Redis before the PUT had written it (404). This runs a connection's
 * requests one after another, each once the answer before it is finished, as HTTP/1.1 means them;
 * the usual single request per turn of a connection pays a map lookup and one listener.
 */
export function inConnectionOrder(listener: (request: IncomingMessage, response: ServerResponse) => unknown): RequestListener {
  const waiting = new WeakMap<Socket, (() => void)[]>()
  const start = (socket: Socket, request: IncomingMessage, response: ServerResponse) => {
    let advanced = false
    const advance = () => {
      if (advanced) return
      advanced = true
      const next = waiting.get(socket)?.shift()
      if (next) next()
      else waiting.delete(socket)
    }
    response.once('finish', advance).once('close', advance)
    void listener(request, response)
  }
  return function orderedRequest(request, response) {
    const socket = request.socket
    const queue = waiting.get(socket)
    if (queue) {
      queue.push(() => start(socket, request, response))
      return
    }
    waiting.set(socket, [])
    start(socket, request, response)
  }
}
