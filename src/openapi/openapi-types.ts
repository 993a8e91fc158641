/** The parts of an OpenAPI 3.1 document this project writes (api-document.ts) and renders (/docs). */

export type JsonSchema = { [keyword: string]: unknown }

export type HttpMethod = 'get' | 'put' | 'post' | 'delete'

export interface OpenApiMediaType {
  schema: JsonSchema
}

export interface OpenApiHeader {
  description: string
  schema: JsonSchema
}

export interface OpenApiResponse {
  description: string
  headers?: Record<string, OpenApiHeader> | undefined
  content?: Record<string, OpenApiMediaType>
}

export interface OpenApiParameter {
  name: string
  in: 'path' | 'query' | 'header'
  required: boolean
  description: string
  schema: JsonSchema
}

export interface OpenApiOperation {
  operationId: string
  summary: string
  description?: string
  tags: string[]
  /** `[]`: no credentials needed (the probes); absent: the document's own. */
  security?: []
  parameters?: OpenApiParameter[]
  requestBody?: { required: true; description?: string; content: Record<string, OpenApiMediaType> }
  responses: Record<string, OpenApiResponse>
}

export interface OpenApiDocument {
  openapi: '3.1.0'
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } }
  servers: { url: string; description: string }[]
  tags: { name: string; description: string }[]
  security: Record<string, []>[]
  paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>
  components: { securitySchemes: Record<string, { type: 'http'; scheme: string; description: string }> }
}
