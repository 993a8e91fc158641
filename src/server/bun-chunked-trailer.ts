import { ApiError } from '../http/api-error.ts'

/** A macrotask: Bun's parser has then handled the bytes that came with the body's last chunk. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

const trailerRefused = () =>
  new ApiError(400, 'invalid_request', 'The chunked body carried a trailer section, which this server refuses; nothing was stored. Send the body without trailers.')

/**
 * Bun.serve hands the handler a chunked body that ends with a trailer section, then answers 400 on
 * the trailer itself and closes the connection (oven-sh/bun#32887): the handler would store the
 * value while the client reads 400. So the body of a chunked request ends only one turn later, and
 * fails if the connection was dropped meanwhile: nothing is stored, and the log says 400 too.
 */
export function refusingTrailers(request: Request): Request {
  const body = request.body
  if (body === null || request.headers.get('transfer-encoding') === null) return request
  const source = body.getReader()
  const checked = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await source.read()
      if (!done) return controller.enqueue(value)
      await nextTurn()
      if (request.signal.aborted) controller.error(trailerRefused())
      else controller.close()
    },
    cancel: (reason) => source.cancel(reason),
  })
  return new Request(request, { body: checked, duplex: 'half' } as RequestInit)
}
