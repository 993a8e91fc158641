import { errorBody } from '../http/error-handler.ts'
import { securedJson } from '../http/security-headers.ts'

const INVALID_HOST = errorBody('invalid_host', 'The Host header is not a valid host[:port].')

/**
 * Bun hands fetch a relative URL (`/healthz`) when the Host header is missing or not a valid
 * authority, and Hono then takes the first path segment for the host. Without a Host (HTTP/1.0, a
 * load balancer's check) the request routes by its path, as on Node; with an invalid one it gets 400.
 */
export function withAbsoluteUrl(request: Request): Request | Response {
  const url = request.url
  if (url.charCodeAt(0) !== 47 /* '/' */) return request
  const host = request.headers.get('host')
  if (host !== null && host !== '') return securedJson(INVALID_HOST, 400)
  // The target is origin-form here (an absolute-form one would have given an absolute URL).
  return new Request(`http://localhost${url}`, request)
}
