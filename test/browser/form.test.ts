import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { ROOT, startProxy, type ProxyProcess } from '../harness/proxy-process.ts'
import { startRedis, type ServiceProcess } from '../harness/service-process.ts'
import { launchChromium } from './chromium.ts'

// `UPDATE_SCREENSHOTS=1 npm run screenshots` refreshes the pictures in docs/ that the README shows.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs') : undefined

// Page loads on a busy 2-core machine: generous bounds.
const TEST_TIMEOUT_MS = 60_000
const STEP_TIMEOUT_MS = 15_000

let redis: ServiceProcess
let proxy: ProxyProcess
let browser: Awaited<ReturnType<typeof launchChromium>>
let page: Page
beforeAll(async () => {
  redis = await startRedis()
  ;[proxy, browser] = await Promise.all([startProxy('bun', { REDIS_URL: `redis://127.0.0.1:${redis.port}` }), launchChromium({ javaScriptEnabled: false })])
  page = await browser.context.newPage()
  // A step that hangs fails with playwright's own message (which step, which locator), not a bare test timeout.
  page.setDefaultTimeout(STEP_TIMEOUT_MS)
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS)
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await proxy?.stop()
  await redis?.stop()
})

const setForm = () => page.getByRole('group', { name: 'Set a key' })
const getForm = () => page.getByRole('group', { name: 'Get a key' })

/**
 * Clicks a submit button and waits until the page it posts to has loaded. click() returns once the
 * click is done, not the navigation: reading the page right after raced it (the old page's context
 * destroyed under textContent(), a failure one run in three).
 */
async function submit(button: ReturnType<Page['getByRole']>) {
  const loaded = page.waitForNavigation({ waitUntil: 'load' })
  await button.click()
  await loaded
}

async function setKey(key: string, value: string) {
  await page.goto(proxy.url)
  await setForm().getByLabel('Key').fill(key)
  await setForm().getByLabel('Value').fill(value)
  await submit(setForm().getByRole('button', { name: 'Set' }))
}

async function getKey(key: string) {
  await page.goto(proxy.url)
  await getForm().getByLabel('Key').fill(key)
  await submit(getForm().getByRole('button', { name: 'Get' }))
}

const shown = (term: string) => page.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]')

describe('the form in Chromium, without JavaScript', () => {
  test('set a key, get it back, overwrite it: each page says what happened', async () => {
    if (SCREENSHOTS) {
      await page.goto(proxy.url)
      await page.screenshot({ path: join(SCREENSHOTS, 'form.png'), fullPage: true })
    }
    await setKey('city', 'Lahore')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Key saved')
    expect(await shown('Value').textContent()).toBe('Lahore')

    await getKey('city')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Key found')
    expect(await shown('Key').textContent()).toBe('city')
    expect(await shown('Value').textContent()).toBe('Lahore')
    const path = page.getByRole('list', { name: 'Lookup path' })
    expect(await path.locator('li.hit').textContent()).toMatch(/^Local cachehit: key found[\d.<\s]+ms$/)

    await setKey('city', 'Karachi')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Key overwritten')
    expect(await page.getByRole('status').textContent()).toContain('already had a value; it has been replaced')
    await getKey('city')
    expect(await shown('Value').textContent()).toBe('Karachi')
  }, TEST_TIMEOUT_MS)

  test('an empty key is refused in words, next to the field, with what was typed kept', async () => {
    await setKey('', 'some value')
    const key = setForm().getByLabel('Key')
    expect(await key.getAttribute('aria-invalid')).toBe('true')
    const errorId = await key.getAttribute('aria-describedby')
    expect(await page.locator(`#${errorId}`).textContent()).toBe('Please enter a key; it cannot be empty.')
    expect(await setForm().getByLabel('Value').inputValue()).toBe('some value')
    // The message sits right under the Key field, before the Value label.
    const [errorBox, valueBox] = await Promise.all([page.locator(`#${errorId}`).boundingBox(), setForm().getByLabel('Value').boundingBox()])
    expect(errorBox!.y).toBeLessThan(valueBox!.y)
  }, TEST_TIMEOUT_MS)

  test('a value with markup is shown as text, never as markup', async () => {
    await setKey('markup <i>key</i>', '<b>bold</b> & <script>document.title="x"</script>')
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'result.png'), fullPage: true })
    await getKey('markup <i>key</i>')
    expect(await shown('Value').textContent()).toBe('<b>bold</b> & <script>document.title="x"</script>')
    expect(await shown('Value').locator('b, script').count()).toBe(0)
    expect(await shown('Key').textContent()).toBe('markup <i>key</i>')
    expect(await page.title()).toBe('Key found · RedisProxyServer')
  }, TEST_TIMEOUT_MS)

  test('the stats page draws its chart', async () => {
    await page.goto(`${proxy.url}/stats`)
    expect(await page.getByRole('img', { name: /Requests per second over the last 120 seconds/ }).isVisible()).toBe(true)
    expect(await page.getByRole('img', { name: /Local cache \(memory\): [\d.]+ % hits/ }).isVisible()).toBe(true)
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'stats.png'), fullPage: true })
  }, TEST_TIMEOUT_MS)
})
