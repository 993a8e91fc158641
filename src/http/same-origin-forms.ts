import type { MiddlewareHandler } from 'hono'
import { csrf } from 'hono/csrf'
import { ApiError } from './api-error.ts'
import { translateRefusal } from './translate-refusal.ts'

/**
 * Hono's csrf check for form posts, answering the contract's 403 JSON. A request with neither
 * `Origin` nor `Sec-Fetch-Site` comes from a script (curl), not a browser, and cannot be a
 * cross-site forgery: it passes, so the seed's form-posting scripts keep working.
 */
export function sameOriginForms(): MiddlewareHandler {
  const check = translateRefusal(
    csrf(),
    403,
    () => new ApiError(403, 'forbidden_origin', "Form posts must come from this site's own page (the Origin does not match)."),
  )
  return async function sameOriginForms(c, next) {
    if (c.req.header('origin') === undefined && c.req.header('sec-fetch-site') === undefined) return next()
    return check(c, next)
  }
}
