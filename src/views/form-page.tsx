import { Layout } from './layout.tsx'

/** The seed's field names: Set posts key_to_save and retrieved_value to /set, Get posts get_key to /. */
export type FormField = 'key_to_save' | 'retrieved_value' | 'get_key'

export interface FormPageProps {
  /** Shown next to the field it is about. */
  errors?: Partial<Record<FormField, string>>
  /** What the person typed, kept when the form comes back with an error. */
  values?: Partial<Record<FormField, string>>
  /** A failure that is no field's fault (Redis not answering), above the forms. */
  notice?: string
}

function errorId(field: FormField): string {
  return `${field}-error`
}

/** Error text tied to its field with aria-describedby, so screen readers read it with the field. */
function FieldError({ field, errors }: { field: FormField; errors: FormPageProps['errors'] }) {
  const message = errors?.[field]
  if (message === undefined) return null
  return (
    <p id={errorId(field)} class="field-error">
      {message}
    </p>
  )
}

function fieldState(field: FormField, errors: FormPageProps['errors']) {
  return errors?.[field] === undefined ? {} : { 'aria-invalid': 'true', 'aria-describedby': errorId(field) }
}

/** One page, two forms; plain HTML posts, no script. The server checks input and answers next to the field. */
export function FormPage({ errors, values = {}, notice }: FormPageProps) {
  const hasErrors = errors !== undefined && Object.keys(errors).length > 0
  return (
    <Layout title={notice !== undefined ? 'Please try again' : hasErrors ? 'Please check the form' : 'Get and set keys'}>
      <h1>Get and set keys</h1>
      <p class="lead">Values are read from the local cache when it has them, else from Redis, the system of record.</p>
      {notice !== undefined && (
        <p class="notice field-error" role="alert">
          {notice}
        </p>
      )}
      {/* novalidate: the server's own message, next to the field, says what is wrong in every browser. */}
      <form method="post" action="/set" novalidate>
        <fieldset>
          <legend>Set a key</legend>
          <label for="key_to_save">Key</label>
          <input id="key_to_save" name="key_to_save" required autocomplete="off" spellcheck={false} value={values.key_to_save ?? ''} {...fieldState('key_to_save', errors)} />
          <FieldError field="key_to_save" errors={errors} />
          <label for="retrieved_value">Value</label>
          <textarea id="retrieved_value" name="retrieved_value" rows={3} {...fieldState('retrieved_value', errors)}>
            {values.retrieved_value ?? ''}
          </textarea>
          <FieldError field="retrieved_value" errors={errors} />
          <button type="submit">Set</button>
        </fieldset>
      </form>
      <form method="post" action="/" novalidate>
        <fieldset>
          <legend>Get a key</legend>
          <label for="get_key">Key</label>
          <input id="get_key" name="get_key" required autocomplete="off" spellcheck={false} value={values.get_key ?? ''} {...fieldState('get_key', errors)} />
          <FieldError field="get_key" errors={errors} />
          <button type="submit">Get</button>
        </fieldset>
      </form>
    </Layout>
  )
}
