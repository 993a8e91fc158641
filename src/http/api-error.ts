import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ErrorCode } from './error-codes.ts'

export interface ApiErrorOptions {
  cause?: unknown
  /** Headers the answer must carry, e.g. `WWW-Authenticate` on a 401. */
  headers?: Record<string, string>
}

/** An error answer with a stable snake_case code; `app.onError` turns it into the contract's JSON. */
export class ApiError extends HTTPException {
  readonly headers: Record<string, string> | undefined

  constructor(
    status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    super(status, { message, cause: options.cause })
    this.name = 'ApiError'
    this.headers = options.headers
  }
}
