import type { Context, Hono, NotFoundHandler } from 'hono'
import { LinearRouter } from 'hono/router/linear-router'
import { errorBody } from './error-handler.ts'

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const

/**
 * Answers a request no route took: 405 with `Allow` when the path exists under other methods,
 * else 404. It runs only on such misses, so the routes it learns from the app are built lazily.
 */
export function unmatchedRoute(app: Pick<Hono, 'routes'>): NotFoundHandler {
  let routes: LinearRouter<string> | undefined
  const learnRoutes = () => {
    const router = new LinearRouter<string>()
    for (const { method, path } of app.routes) if (method !== 'ALL') router.add(method, path, method)
    return router
  }
  return function unmatchedRoute(c: Context) {
    routes ??= learnRoutes()
    const path = c.req.path
    // LinearRouter also matches a trailing slash; the app does not (strict paths), so neither does this.
    const allowed = path.length > 1 && path.endsWith('/') ? [] : METHODS.filter((method) => (method === 'HEAD' ? routes!.match('GET', path) : routes!.match(method, path))[0].length > 0)
    if (allowed.length > 0) {
      c.header('Allow', allowed.join(', '))
      return c.json(errorBody('method_not_allowed', `${c.req.method} is not allowed here; use ${allowed.join(' or ')}.`), 405)
    }
    return c.json(errorBody('route_not_found', 'No such route; see the README for the API.'), 404)
  }
}
