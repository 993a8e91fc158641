import type { HttpMethod, OpenApiDocument, OpenApiMediaType, OpenApiOperation, OpenApiResponse } from '../openapi/openapi-types.ts'
import { Inline, Markdown } from './inline-markdown.tsx'
import { Layout } from './layout.tsx'
import { SchemaView, typeSummary } from './schema-view.tsx'

const STYLES = `
body { max-width: 60rem; }
.toc ul { margin: 0.25rem 0 0.75rem; }
.operation { border: 1px solid var(--border); border-radius: 0.5rem; padding: 0.75rem 1.25rem; margin: 1rem 0; background: var(--card); }
.operation h3 { font-size: 1.05rem; margin: 0.25rem 0 0.5rem; font-family: ui-monospace, monospace; word-break: break-all; }
.method { display: inline-block; min-width: 4.2rem; text-align: center; border-radius: 0.3rem; padding: 0 0.4rem; margin-right: 0.5rem; color: white; font-size: 0.85rem; background: #475467; }
.method.get { background: #1570ef; } .method.put { background: #b54708; } .method.post { background: #027a48; } .method.delete { background: #b42318; }
h4 { margin: 1rem 0 0.25rem; font-size: 0.95rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; } th, td { text-align: left; vertical-align: top; border-top: 1px solid var(--border); padding: 0.3rem 0.5rem 0.3rem 0; }
.schema .type { margin: 0.15rem 0; } .schema ul, .schema ol { margin: 0.1rem 0 0.3rem; padding-left: 1.25rem; }
.required { color: var(--accent); font-size: 0.8rem; } .optional { color: var(--muted); font-size: 0.8rem; }
.status { font-weight: 600; font-family: ui-monospace, monospace; } .media { color: var(--muted); font-family: ui-monospace, monospace; font-size: 0.85rem; }
.open { color: var(--hit); font-weight: 500; }
`

const METHODS: readonly HttpMethod[] = ['get', 'put', 'post', 'delete']

function Bodies({ content }: { content: Record<string, OpenApiMediaType> }) {
  return (
    <>
      {Object.entries(content).map(([type, media]) => (
        <div>
          <span class="media">{type}</span>
          <SchemaView schema={media.schema} />
        </div>
      ))}
    </>
  )
}

function Response({ status, response }: { status: string; response: OpenApiResponse }) {
  return (
    <tr>
      <td class="status">{status}</td>
      <td>
        <Markdown text={response.description} />
        {response.headers && (
          <p>
            Headers:{' '}
            {Object.entries(response.headers).map(([name, header], index) => (
              <>
                {index > 0 && '; '}
                <code>{name}</code> (<Inline text={header.description} />)
              </>
            ))}
          </p>
        )}
        {response.content && <Bodies content={response.content} />}
      </td>
    </tr>
  )
}

function Operation({ method, path, operation }: { method: HttpMethod; path: string; operation: OpenApiOperation }) {
  return (
    <section class="operation" id={operation.operationId}>
      <h3>
        <span class={`method ${method}`}>{method.toUpperCase()}</span>
        {path}
      </h3>
      <p>
        <strong>{operation.summary}</strong> <span class="media">({operation.operationId})</span>
        {operation.security?.length === 0 && <span class="open"> · no token needed</span>}
      </p>
      {operation.description && <Markdown text={operation.description} />}
      {operation.parameters && (
        <>
          <h4>Parameters</h4>
          <table>
            <tr>
              <th>name</th>
              <th>in</th>
              <th>type</th>
              <th>meaning</th>
            </tr>
            {operation.parameters.map((parameter) => (
              <tr>
                <td>
                  <code>{parameter.name}</code> {parameter.required ? <span class="required">required</span> : <span class="optional">optional</span>}
                </td>
                <td>{parameter.in}</td>
                <td>
                  <code>{typeSummary(parameter.schema)}</code>
                </td>
                <td>
                  <Markdown text={parameter.description} />
                </td>
              </tr>
            ))}
          </table>
        </>
      )}
      {operation.requestBody && (
        <>
          <h4>Request body</h4>
          {operation.requestBody.description && <Markdown text={operation.requestBody.description} />}
          <Bodies content={operation.requestBody.content} />
        </>
      )}
      <h4>Answers</h4>
      <table>
        {Object.entries(operation.responses).map(([status, response]) => (
          <Response status={status} response={response} />
        ))}
      </table>
    </section>
  )
}

function operationsOf(document: OpenApiDocument, tag: string) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method]
      return operation?.tags.includes(tag) ? [{ method, path, operation }] : []
    }),
  )
}

/** The OpenAPI document as a page: no script, nothing fetched, every text escaped by JSX. */
export function ApiReferencePage({ document }: { document: OpenApiDocument }) {
  return (
    <Layout title="API reference" extraStyles={STYLES}>
      <h1>
        {document.info.title} API <span class="media">{document.info.version}</span>
      </h1>
      <p class="lead">
        OpenAPI {document.openapi}: <a href="/openapi.json">/openapi.json</a>
      </p>
      <Markdown text={document.info.description} />
      <h2>Credentials</h2>
      <ul>
        {Object.entries(document.components.securitySchemes).map(([name, scheme]) => (
          <li>
            <code>{name}</code> (HTTP {scheme.scheme}): <Inline text={scheme.description} />
          </li>
        ))}
      </ul>
      <nav class="toc" aria-label="Operations">
        {document.tags.map((tag) => (
          <>
            <strong>{tag.name}</strong>
            <ul>
              {operationsOf(document, tag.name).map(({ method, path, operation }) => (
                <li>
                  <a href={`#${operation.operationId}`}>
                    {method.toUpperCase()} {path}
                  </a>{' '}
                  — {operation.summary}
                </li>
              ))}
            </ul>
          </>
        ))}
      </nav>
      {document.tags.map((tag) => (
        <section>
          <h2>{tag.name}</h2>
          <Markdown text={tag.description} />
          {operationsOf(document, tag.name).map(({ method, path, operation }) => (
            <Operation method={method} path={path} operation={operation} />
          ))}
        </section>
      ))}
    </Layout>
  )
}
