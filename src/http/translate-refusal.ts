import type { MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { ApiError } from './api-error.ts'

/**
 * Runs one of Hono's middleware and turns the refusal it throws itself (an HTTPException with
 * `status`, before it calls `next`) into our ApiError; errors from later handlers pass untouched.
 */
// Any Hono middleware, whatever its env, path and input types: `any` is how Hono spells that.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function translateRefusal<M extends MiddlewareHandler<any, any, any>>(middleware: M, status: number, toError: (refusal: HTTPException) => ApiError): M {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const translated: MiddlewareHandler<any, any, any> = async function translatedRefusal(c, next) {
    let passed = false
    try {
      return await middleware(c, () => {
        passed = true
        return next()
      })
    } catch (error) {
      if (!passed && error instanceof HTTPException && !(error instanceof ApiError) && error.status === status) throw toError(error)
      throw error
    }
  }
  return translated as M
}
