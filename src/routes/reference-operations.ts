import { z } from 'zod'
import type { ApiOperation } from '../openapi/api-operation.ts'

/** This document and its page, as the document tells them. */
export const referenceOperations: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This OpenAPI document',
    description: 'Generated from the schemas the routes validate requests with.',
    tag: 'reference',
    responses: { 200: { description: 'The OpenAPI 3.1 document.', content: { 'application/json': z.object({ openapi: z.string() }).loose() } } },
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'getDocs',
    summary: 'API reference page',
    description: 'This document as a page: every operation with its parameters, bodies and answers.',
    tag: 'reference',
    responses: { 200: { description: 'The page.', content: { 'text/html': z.string().describe('An HTML page.') } } },
  },
]
