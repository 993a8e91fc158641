import { errorBody } from './error-handler.ts'
import type { Fetch } from './fetch.ts'
import { securedJson } from './security-headers.ts'

const INTERNAL_ERROR = errorBody('internal_error', 'The proxy failed unexpectedly; the error has been logged.')

/**
 * The outermost layer of fetch: whatever throws below (a wrapper outside Hono's onError, a bug),
 * the client gets our JSON 500, never the runtime's error page (Bun's shows source and paths).
 */
export function answerThrows<F extends Fetch>(fetch: F, onError: (error: unknown) => void): F {
  const failed = (error: unknown): Response => {
    try {
      onError(error)
    } catch {
      // A failing log must not turn the 500 back into a throw.
    }
    return securedJson(INTERNAL_ERROR, 500)
  }
  const guarded = (request: Request, ...rest: never[]): Response | Promise<Response> => {
    try {
      const answer = fetch(request, ...rest)
      return answer instanceof Promise ? answer.catch(failed) : answer
    } catch (error) {
      return failed(error)
    }
  }
  return guarded as F
}
