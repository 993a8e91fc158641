/**
 * Every error code the proxy answers with, and the status it goes with: the one registry, so a
 * code cannot be misspelt in one route and documented in another (the README's table lists them all).
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_body: 400,
  invalid_key: 400,
  invalid_value: 400,
  invalid_ttl: 400,
  invalid_encoding: 400,
  ambiguous_key: 400,
  no_pairs: 400,
  invalid_form: 400,
  invalid_host: 400,
  unauthorized: 401,
  forbidden: 403,
  forbidden_origin: 403,
  not_found: 404,
  key_not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  wrong_type: 409,
  payload_too_large: 413,
  value_too_large: 413,
  body_too_large: 413,
  too_many_pairs: 413,
  unsupported_media_type: 415,
  internal_error: 500,
  unavailable: 503,
  redis_unavailable: 503,
  not_replicated: 503,
  overloaded: 503,
} as const satisfies Record<string, number>

export type ErrorCode = keyof typeof ERROR_STATUS

export function isErrorCode(text: string): text is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, text)
}
