import { Layout } from './layout.tsx'

/** The seed's two forms, with its field names: Set (key_to_save, retrieved_value → /set) and Get (get_key → /). */
export function FormPage() {
  return (
    <Layout title="Get and set keys">
      <h1>RedisProxyServer</h1>
      <p class="lead">Values are read from the local cache when it has them, else from Redis.</p>
      <form method="post" action="/set">
        <fieldset>
          <legend>Set a key</legend>
          <label for="key_to_save">Key</label>
          <input id="key_to_save" name="key_to_save" required autocomplete="off" />
          <label for="retrieved_value">Value</label>
          <textarea id="retrieved_value" name="retrieved_value" rows={3}></textarea>
          <button type="submit">Set</button>
        </fieldset>
      </form>
      <form method="post" action="/">
        <fieldset>
          <legend>Get a key</legend>
          <label for="get_key">Key</label>
          <input id="get_key" name="get_key" required autocomplete="off" />
          <button type="submit">Get</button>
        </fieldset>
      </form>
    </Layout>
  )
}
