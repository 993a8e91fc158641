import type { Context } from 'hono'
import { html } from 'hono/html'
import type { JSX } from 'hono/jsx/jsx-runtime'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** Answers a JSX page as a full HTML document (with its doctype, which JSX cannot write). */
export function htmlPage(c: Context, page: JSX.Element, status: ContentfulStatusCode = 200) {
  return c.html(html`<!DOCTYPE html>${page}`, status)
}

/** True when the client reads HTML (a browser), so a form error can come back as the form itself. */
export function acceptsHtml(c: Context): boolean {
  return (c.req.header('accept') ?? '').includes('text/html')
}
