import type { MiddlewareHandler } from 'hono'
import { secureHeaders } from 'hono/secure-headers'
import type { Fetch } from './fetch.ts'

/** Our policy for Hono's secureHeaders (see `securityHeaders`). */
const SECURITY_HEADER_OPTIONS: Parameters<typeof secureHeaders>[0] = {
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: ["'unsafe-inline'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  xContentTypeOptions: true,
  xFrameOptions: 'DENY',
  referrerPolicy: true,
  crossOriginResourcePolicy: true,
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  strictTransportSecurity: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
}

/**
 * Hono's secureHeaders with a policy for our pages: no script at all, the
 * layout's inline style only, forms posting to this origin, never framed. Each header costs on
 * the hot JSON path (in-process, on a ~5.5 µs local hit: the full default set +2.1 µs, this set
 * +0.8 µs), so those that matter only to old browsers or to TLS (HSTS: the TLS terminator's) are off.
 * The app sets the same headers with `withSecurityHeaders`; this middleware is their reference.
 */
export function securityHeaders(): MiddlewareHandler {
  return secureHeaders(SECURITY_HEADER_OPTIONS)
}

/** What `securityHeaders()` sets, as pairs (a test keeps the two the same). */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
]


/**
 * The same headers on every answer, set around fetch instead of by a `*` middleware: a middleware
 * sends every answer through Hono's promise chain, so a synchronous local hit became asynchronous
 * (bench/profile.ts on Node: the response was written from the microtask queue, not the request event).
 */
export function withSecurityHeaders<F extends Fetch>(fetch: F): F {
  const withHeaders = (request: Request, ...rest: never[]): Response | Promise<Response> => {
    const answer = fetch(request, ...rest)
    return answer instanceof Promise ? answer.then(addSecurityHeaders) : addSecurityHeaders(answer)
  }
  return withHeaders as F
}

/** Answers built by `securedJson`, which carry the headers from birth. */
const BORN_SECURED = new WeakSet<Response>()

const SECURED_JSON_PAIRS: Readonly<Record<string, string>> = Object.freeze({ 'Content-Type': 'application/json', ...Object.fromEntries(SECURITY_HEADERS) })

/**
 * The same headers in the form each runtime copies fastest into a new Response. Bun copies a Headers
 * object's entries without re-validating them (0.28 µs against 0.70 µs for a plain object of the
 * same six, measured in bench/in-process.ts); @hono/node-server's lightweight Response hands a plain
 * object to `writeHead` as it is, while a Headers object would be converted first. Both are copied,
 * never shared: a Response's own headers can be changed without touching these.
 */
const ON_BUN = typeof Bun !== 'undefined'
const SECURED_JSON_HEADERS: HeadersInit = ON_BUN ? new Headers(SECURED_JSON_PAIRS) : SECURED_JSON_PAIRS

/** The same with X-Request-Id: on Bun a copy of the Headers object plus one set (0.90 µs, a plain object 1.34 µs). */
const securedJsonHeadersWithId: (requestId: string) => HeadersInit = ON_BUN
  ? (requestId) => {
      const headers = new Headers(SECURED_JSON_HEADERS)
      headers.set('X-Request-Id', requestId)
      return headers
    }
  : (requestId) => ({ ...SECURED_JSON_PAIRS, 'X-Request-Id': requestId })

/** The same with headers of the answer's own (ETag, X-Cache…) and X-Request-Id when given. */
const securedJsonHeadersWith: (extra: Readonly<Record<string, string>>, requestId: string | undefined) => HeadersInit = ON_BUN
  ? (extra, requestId) => {
      const headers = new Headers(SECURED_JSON_HEADERS)
      for (const name in extra) headers.set(name, extra[name]!)
      if (requestId !== undefined) headers.set('X-Request-Id', requestId)
      return headers
    }
  : (extra, requestId) => (requestId === undefined ? { ...SECURED_JSON_PAIRS, ...extra } : { ...SECURED_JSON_PAIRS, ...extra, 'X-Request-Id': requestId })

/**
 * A JSON answer created with the security headers already in it, for the hot paths: no Headers object
 * to fill afterwards (on Node's adapter that turned the lightweight Response into a real one, ~10% of
 * a Redis-path GET in bench/profile.ts). With `requestId`, X-Request-Id is born with it too.
 */
export function securedJson(body: unknown, status = 200, requestId?: string, extra?: Readonly<Record<string, string>>): Response {
  const headers = extra !== undefined ? securedJsonHeadersWith(extra, requestId) : requestId === undefined ? SECURED_JSON_HEADERS : securedJsonHeadersWithId(requestId)
  const response = new Response(JSON.stringify(body), { status, headers })
  BORN_SECURED.add(response)
  return response
}

function addSecurityHeaders(response: Response): Response {
  if (BORN_SECURED.has(response)) return response
  let target = response
  try {
    for (const [name, value] of SECURITY_HEADERS) target.headers.set(name, value)
  } catch {
    // Immutable headers (a Response from elsewhere): answer with a copy.
    target = new Response(response.body, response)
    for (const [name, value] of SECURITY_HEADERS) target.headers.set(name, value)
  }
  return target
}
