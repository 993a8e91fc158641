import type { Child } from 'hono/jsx'

const STYLES = `
:root { color-scheme: light dark; --accent: #b42318; --muted: #6b7280; --border: #d0d5dd; --hit: #15803d; --miss: #b45309; --error-bg: #fef3f2; --card: #fff; }
@media (prefers-color-scheme: dark) { :root { --accent: #f97066; --border: #475467; --hit: #4ade80; --miss: #fbbf24; --error-bg: #3b1a17; --card: #1d2939; } }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 0 auto; padding: 1rem; }
header { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 1px solid var(--border); margin-bottom: 1rem; }
header a { text-decoration: none; } nav a { margin-left: 1rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0 0.25rem; } h2 { font-size: 1.15rem; margin: 0 0 0.5rem; }
.lead, .hint { color: var(--muted); margin-top: 0; }
form, .card { border: 1px solid var(--border); border-radius: 0.5rem; padding: 1rem 1.25rem; margin: 1rem 0; background: var(--card); }
fieldset { border: 0; padding: 0; margin: 0; }
legend { font-weight: 600; font-size: 1.15rem; margin-bottom: 0.25rem; }
label { display: block; font-weight: 500; margin-top: 0.75rem; }
input, textarea { width: 100%; font: inherit; padding: 0.45rem 0.6rem; border: 1px solid var(--border); border-radius: 0.35rem; background: transparent; color: inherit; }
input:focus-visible, textarea:focus-visible, button:focus-visible { outline: 3px solid var(--accent); outline-offset: 1px; }
[aria-invalid=true] { border-color: var(--accent); border-width: 2px; }
.field-error { color: var(--accent); background: var(--error-bg); border-radius: 0.35rem; padding: 0.25rem 0.5rem; margin: 0.35rem 0 0; font-weight: 500; }
button { margin-top: 0.9rem; font: inherit; font-weight: 600; padding: 0.45rem 1.2rem; border-radius: 0.35rem; border: 0; background: var(--accent); color: white; cursor: pointer; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0 0 1rem; }
dt { font-weight: 600; } dd { margin: 0; white-space: pre-wrap; word-break: break-all; font-family: ui-monospace, monospace; }
.notice { border-left: 4px solid var(--accent); padding: 0.25rem 0.75rem; margin: 0 0 1rem; }
ol.trace { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; }
ol.trace li { border: 1px solid var(--border); border-left: 6px solid var(--muted); border-radius: 0.4rem; padding: 0.35rem 0.7rem; }
ol.trace .arrow { border: 0; padding: 0; color: var(--muted); font-size: 1.25rem; }
ol.trace li.hit { border-left-color: var(--hit); } ol.trace li.miss { border-left-color: var(--miss); }
.tier { font-weight: 600; display: block; } .outcome { display: block; } .took { color: var(--muted); font-size: 0.85rem; }
.chart { width: 100%; height: auto; } .chart .grid { stroke: var(--border); } .chart .axis { fill: var(--muted); font-size: 11px; }
.chart .area { fill: var(--accent); opacity: 0.15; } .chart .line { fill: none; stroke: var(--accent); stroke-width: 2; }
ul.ratios { list-style: none; padding: 0; margin: 0; } ul.ratios li { display: grid; grid-template-columns: 11rem 1fr; gap: 0.25rem 1rem; align-items: center; margin-bottom: 0.75rem; }
.ratio-bar { width: 100%; height: 1rem; } .ratio-bar .bar-back { fill: var(--border); } .ratio-bar .bar-hit { fill: var(--hit); }
.ratio-value { grid-column: 2; }
a { color: var(--accent); }
`

export interface LayoutProps {
  title: string
  /** Reload the page every this many seconds (no script needed). */
  refreshSeconds?: number
  /** More CSS for one page (inline: the CSP allows styles, no scripts). */
  extraStyles?: string
  children: Child
}

export function Layout({ title, refreshSeconds, extraStyles, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {refreshSeconds !== undefined && <meta http-equiv="refresh" content={String(refreshSeconds)} />}
        <title>{title} · RedisProxyServer</title>
        <style>{STYLES}</style>
        {extraStyles !== undefined && <style>{extraStyles}</style>}
      </head>
      <body>
        <header>
          <a href="/">
            <strong>RedisProxyServer</strong>
          </a>
          <nav aria-label="Pages">
            <a href="/">Get and set</a>
            <a href="/stats">Stats</a>
            <a href="/docs">API</a>
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  )
}
