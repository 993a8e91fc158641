import type { Child } from 'hono/jsx'

const STYLES = `
:root { color-scheme: light dark; --accent: #c0392b; --muted: #6b7280; --border: #d1d5db; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
.lead { color: var(--muted); margin-top: 0; }
form, .card { border: 1px solid var(--border); border-radius: 0.5rem; padding: 1rem 1.25rem; margin: 1rem 0; }
fieldset { border: 0; padding: 0; margin: 0; }
legend { font-weight: 600; font-size: 1.1rem; margin-bottom: 0.5rem; }
label { display: block; font-weight: 500; margin-top: 0.5rem; }
input, textarea { width: 100%; font: inherit; padding: 0.4rem 0.5rem; border: 1px solid var(--border); border-radius: 0.35rem; }
button { margin-top: 0.75rem; font: inherit; padding: 0.4rem 1rem; border-radius: 0.35rem; border: 0; background: var(--accent); color: white; cursor: pointer; }
dt { font-weight: 600; } dd { margin: 0 0 0.5rem 0; white-space: pre-wrap; word-break: break-all; }
ol.trace { padding-left: 1.25rem; } .hit { color: #15803d; } .miss, .error { color: var(--muted); }
a { color: var(--accent); }
`

export function Layout({ title, children }: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title} · RedisProxyServer</title>
        <style>{STYLES}</style>
      </head>
      <body>
        <main>{children}</main>
      </body>
    </html>
  )
}
