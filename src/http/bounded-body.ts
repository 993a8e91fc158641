import type { Context } from 'hono'

/**
 * The request's body, read chunk by chunk: `check` sees each chunk as it arrives and refuses the
 * body by throwing, so a hostile body is answered before the rest of it is read.
 */
export async function readBodyChecked(c: Context, check: (chunk: Uint8Array) => void): Promise<Buffer> {
  const body = c.req.raw.body
  if (body === null) return Buffer.alloc(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let length = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      check(value)
      chunks.push(value)
      length += value.length
    }
  } catch (error) {
    reader.cancel().catch(() => {})
    throw error
  }
  return Buffer.concat(chunks, length)
}
