import type { Duplex } from 'node:stream'
import { errorBody } from '../http/error-handler.ts'
import { SECURITY_HEADERS } from '../http/security-headers.ts'
import type { ErrorCode } from '../http/error-codes.ts'

interface ParseRefusal {
  status: number
  reason: string
  code: ErrorCode
  message: string
}

/** What node:http's parser refused, in the contract's words; `code` is llhttp's or Node's error code. */
export function parseRefusal(code: string | undefined): ParseRefusal {
  switch (code ?? 'unparsable') {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, reason: 'Request Header Fields Too Large', code: 'headers_too_large', message: 'The request line and headers are larger than 16 KiB; a key over ~1 KB is refused anyway.' }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, reason: 'Request Timeout', code: 'request_timeout', message: 'The request did not arrive in time.' }
    case 'HPE_INVALID_METHOD':
      return { status: 400, reason: 'Bad Request', code: 'invalid_request', message: 'The method is not an HTTP method this server knows (methods are upper-case: GET, PUT…).' }
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
    case 'HPE_STRICT':
      return { status: 400, reason: 'Bad Request', code: 'invalid_request', message: 'The request is not well-formed HTTP/1.1: lines must end with CRLF, not a bare LF.' }
    case 'HPE_INVALID_VERSION':
      return { status: 400, reason: 'Bad Request', code: 'invalid_request', message: 'The request line must end with HTTP/1.1 (or 1.0) and CRLF, not a bare LF.' }
    case 'HPE_INVALID_URL':
      return { status: 400, reason: 'Bad Request', code: 'invalid_request', message: 'The request target is not a valid URL: bytes outside ASCII must be percent-encoded.' }
    default:
      return { status: 400, reason: 'Bad Request', code: 'invalid_request', message: `The request is not well-formed HTTP/1.1 (${code ?? 'unparsable'}).` }
  }
}

const SECURITY_HEAD = SECURITY_HEADERS.map(([name, value]) => `${name}: ${value}\r\n`).join('')

/**
 * node:http's `clientError` listener: the contract's JSON error instead of Node's bare status line,
 * then the connection is closed (the parser cannot find the next request after a malformed one).
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  const { status, reason, code, message } = parseRefusal(error.code)
  const body = JSON.stringify(errorBody(code, message))
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${SECURITY_HEAD}Connection: close\r\n\r\n${body}`)
}
