import type { JsonSchema } from '../openapi/openapi-types.ts'
import { Inline } from './inline-markdown.tsx'

const asSchema = (value: unknown): JsonSchema | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchema) : undefined)
const asSchemas = (value: unknown): JsonSchema[] => (Array.isArray(value) ? value.map(asSchema).filter((schema) => schema !== undefined) : [])

/** One line for a schema's type and limits: `integer, 0 to 2147483647`, `string, one of "utf8", "base64"`. */
export function typeSummary(schema: JsonSchema): string {
  const parts: string[] = []
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : typeof schema.type === 'string' ? schema.type : undefined
  if (schema.const !== undefined) parts.push(`always ${JSON.stringify(schema.const)}`)
  else if (Array.isArray(schema.enum)) parts.push(`${type ?? 'value'}, one of ${schema.enum.map((value) => JSON.stringify(value)).join(', ')}`)
  else if (type === 'array') parts.push(`array of ${typeSummary(asSchema(schema.items) ?? {})}`)
  else if (schema.format === 'binary') parts.push('bytes')
  else if (type) parts.push(type)
  else if (schema.anyOf) parts.push('one of')
  else parts.push('any')
  const range = (min: unknown, max: unknown, unit: string) => {
    if (typeof min === 'number' && typeof max === 'number') parts.push(`${min} to ${max}${unit}`)
    else if (min === 1 && unit !== '') parts.push('not empty')
    else if (typeof min === 'number') parts.push(`at least ${min}${unit}`)
    else if (typeof max === 'number') parts.push(`at most ${max}${unit}`)
  }
  range(schema.minimum, schema.maximum, '')
  range(schema.minLength, schema.maxLength, ' characters')
  range(schema.minItems, schema.maxItems, ' items')
  range(schema.minProperties, schema.maxProperties, ' properties')
  return parts.join(', ')
}

/** What a schema holds inside: its properties, the items of an array, a map's values, alternatives. */
function Inside({ schema }: { schema: JsonSchema }) {
  const properties = asSchema(schema.properties)
  const required = new Set(Array.isArray(schema.required) ? schema.required : [])
  const additional = asSchema(schema.additionalProperties)
  const items = asSchema(schema.items)
  const alternatives = asSchemas(schema.anyOf ?? schema.oneOf)
  return (
    <>
      {properties && (
        <ul class="properties">
          {Object.entries(properties).map(([name, value]) => (
            <li>
              <code class="name">{name}</code> {required.has(name) ? <span class="required">required</span> : <span class="optional">optional</span>} <Line schema={asSchema(value) ?? {}} />
              <Inside schema={asSchema(value) ?? {}} />
            </li>
          ))}
        </ul>
      )}
      {additional && (
        <ul class="properties">
          <li>
            <em>each property, named as you choose</em>: <Line schema={additional} />
            <Inside schema={additional} />
          </li>
        </ul>
      )}
      {items && <Inside schema={items} />}
      {alternatives.length > 0 && (
        <ol class="alternatives">
          {alternatives.map((alternative) => (
            <li>
              <SchemaView schema={alternative} />
            </li>
          ))}
        </ol>
      )}
    </>
  )
}

function Line({ schema }: { schema: JsonSchema }) {
  return (
    <>
      <code>{typeSummary(schema)}</code>
      {typeof schema.description === 'string' && (
        <>
          {' '}
          — <Inline text={schema.description} />
        </>
      )}
    </>
  )
}

/** A JSON Schema as nested lists: each property with its type, whether it is required, and what it means. */
export function SchemaView({ schema }: { schema: JsonSchema }) {
  return (
    <div class="schema">
      <p class="type">
        <Line schema={schema} />
      </p>
      <Inside schema={schema} />
    </div>
  )
}
