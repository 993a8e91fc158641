import type { Context, ErrorHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { StoreUnavailableError, UnconfirmedWriteError, WrongTypeError } from '../cache/errors.ts'
import type { Logger } from '../logger.ts'
import { ApiError } from './api-error.ts'
import type { ErrorCode } from './error-codes.ts'

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  503: 'unavailable',
}

/** Seconds a client should wait before retrying when Redis is unavailable or the proxy overloaded. */
export const RETRY_AFTER_SECONDS = '1'

export function errorBody(code: ErrorCode, message: string) {
  return { error: { code, message } }
}

/** The one place where failures become answers: `{"error":{"code","message"}}` with the fitting status. */
export function errorHandler({ logger }: { logger: Logger }): ErrorHandler {
  return function onError(error: Error, c: Context) {
    if (error instanceof ApiError) {
      if (error.headers) for (const [name, value] of Object.entries(error.headers)) c.header(name, value)
      return answer(c, error.status, error.code, error.message)
    }
    if (error instanceof HTTPException) {
      const status = error.status
      if (status === 401 && error.res) return error.getResponse()
      return answer(c, status, CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'invalid_request'), error.message || 'The request was refused.')
    }
    if (error instanceof WrongTypeError) {
      return answer(c, 409, error.code, error.message)
    }
    if (error instanceof UnconfirmedWriteError) {
      c.header('Retry-After', RETRY_AFTER_SECONDS)
      return answer(c, 503, 'not_replicated', error.message)
    }
    if (error instanceof StoreUnavailableError) {
      c.header('Retry-After', RETRY_AFTER_SECONDS)
      return answer(c, 503, 'redis_unavailable', 'Redis is unavailable right now; retry shortly.')
    }
    logger.error('unhandled error', { method: c.req.method, path: c.req.path, error })
    return answer(c, 500, 'internal_error', 'The proxy failed unexpectedly; the error has been logged.')
  }
}

function answer(c: Context, status: ContentfulStatusCode, code: ErrorCode, message: string) {
  return c.json(errorBody(code, message), status)
}
