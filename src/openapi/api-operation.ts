import type { z } from 'zod'
import type { ErrorCode } from '../http/error-codes.ts'
import type { HttpMethod } from './openapi-types.ts'

/**
 * One operation of the HTTP API as the OpenAPI document tells it: a row of the route table that
 * each route module keeps beside its routes, with the zod schemas those routes validate with.
 * api-document.ts turns the rows into OpenAPI 3.1; nothing here runs on a request.
 */
export interface ApiOperation {
  method: HttpMethod
  /** The Hono pattern the route is registered under (`/v1/keys/:key`). */
  path: string
  operationId: string
  summary: string
  description?: string
  tag: ApiTag
  /** Served without API_TOKEN (the probes). */
  open?: boolean
  /** Answered even beyond MAX_CONCURRENT_REQUESTS (liveness must not depend on load). */
  alwaysAdmitted?: boolean
  parameters?: readonly ApiParameter[]
  requestBody?: { description?: string; content: ApiContent }
  /** The answers other than errors, by status. */
  responses: Readonly<Record<number, ApiResponse>>
  /** The error codes it may answer with; each goes under its status from the registry (error-codes.ts). */
  errors?: readonly ErrorCode[]
  /** Its 4xx errors come back to a browser as the form page with the message by its field. */
  htmlErrors?: boolean
}

export type ApiTag = 'keys' | 'seed' | 'operations' | 'reference'

export interface ApiParameter {
  name: string
  in: 'path' | 'query' | 'header'
  required?: boolean
  description: string
  schema: z.ZodType
}

/** Bodies by media type: a zod schema, or `'bytes'` for a body that is the value's raw bytes. */
export type ApiContent = Readonly<Record<string, z.ZodType | 'bytes'>>

export interface ApiResponse {
  description: string
  content?: ApiContent
  headers?: readonly ApiHeaderName[]
}

/** Response headers the document knows how to describe (see RESPONSE_HEADERS in api-document.ts). */
export type ApiHeaderName = 'ETag' | 'X-Cache' | 'Cache-Control' | 'Retry-After' | 'Allow' | 'WWW-Authenticate'
