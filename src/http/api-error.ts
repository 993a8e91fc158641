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

/** `Cache-Control: only-if-cached` and no local copy to answer with (RFC 9111 §5.2.1.7: 504). */
export function notCached(): ApiError {
  return new ApiError(504, 'not_cached', 'No local copy of this key to answer from (Cache-Control: only-if-cached); Redis was not asked.')
}
