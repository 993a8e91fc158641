import { Hono } from 'hono'
import { htmlPage } from '../http/html-page.ts'
import { apiDocument } from '../openapi/api-document.ts'
import type { ApiOperation } from '../openapi/api-operation.ts'
import type { OpenApiDocument } from '../openapi/openapi-types.ts'
import { ApiReferencePage } from '../views/api-reference-page.tsx'

export interface ReferenceRoutesOptions {
  /** Every operation the app serves (each route module's table). */
  operations: readonly ApiOperation[]
  version: string
}

/** `GET /openapi.json` and `GET /docs`, the same document built once, on first use. */
export function referenceRoutes({ operations, version }: ReferenceRoutesOptions) {
  let document: OpenApiDocument | undefined
  const built = () => (document ??= apiDocument(operations, { version }))
  return new Hono().get('/openapi.json', (c) => c.json(built())).get('/docs', (c) => htmlPage(c, <ApiReferencePage document={built()} />))
}
