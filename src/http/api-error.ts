import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** An error answer with a stable snake_case code; `app.onError` turns it into the contract's JSON. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(status, { message, cause: options.cause })
    this.name = 'ApiError'
  }
}
