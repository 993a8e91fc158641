import type { TierStep } from '../cache/tiered-cache.ts'
import { Layout } from './layout.tsx'

export interface ResultPageProps {
  action: 'get' | 'set'
  keyName: string
  value: string | undefined
  steps: readonly TierStep[]
  /** For a set: false when the key held a value that was replaced. */
  created?: boolean
}

const TIER_NAMES = { local: 'Local cache', redis: 'Redis' } as const

function outcomeText(action: ResultPageProps['action'], step: TierStep): string {
  if (step.outcome === 'error') return 'unavailable, skipped'
  if (action === 'get') return step.outcome === 'hit' ? 'hit: key found' : 'miss: key not found'
  return step.outcome === 'hit' ? 'key found, overwritten' : 'new key, stored'
}

function formatMs(ms: number): string {
  return ms < 0.01 ? '< 0.01 ms' : `${ms.toFixed(2)} ms`
}

function headline({ action, value, created }: ResultPageProps): { title: string; notice: string } {
  if (action === 'get') {
    return value === undefined
      ? { title: 'Key not found', notice: 'Neither the local cache nor Redis holds this key.' }
      : { title: 'Key found', notice: 'Here is the value stored under this key.' }
  }
  return created === false
    ? { title: 'Key overwritten', notice: 'This key already had a value; it has been replaced by the new one.' }
    : { title: 'Key saved', notice: 'This key is new; its value has been stored.' }
}

/** The lookup or write path, tier by tier: each step's result and how long it took. */
function Trace({ action, steps }: Pick<ResultPageProps, 'action' | 'steps'>) {
  return (
    <ol class="trace" aria-label={action === 'get' ? 'Lookup path' : 'Write path'}>
      {steps.map((step, i) => (
        <>
          {i > 0 && (
            <li class="arrow" aria-hidden="true">
              →
            </li>
          )}
          <li class={step.outcome}>
            <span class="tier">{TIER_NAMES[step.tier]}</span>
            <span class="outcome">{outcomeText(action, step)}</span>
            <span class="took">{formatMs(step.durationMs)}</span>
          </li>
        </>
      ))}
    </ol>
  )
}

/** The outcome of a form post: what happened, the key, its value, and the path through the tiers. */
export function ResultPage(props: ResultPageProps) {
  const { action, keyName, value, steps } = props
  const { title, notice } = headline(props)
  return (
    <Layout title={title}>
      <h1>{title}</h1>
      <p class="notice" role="status">
        {notice}
      </p>
      <div class="card">
        <dl>
          <dt>Key</dt>
          <dd>{keyName}</dd>
          {value !== undefined && (
            <>
              <dt>Value</dt>
              <dd>{value === '' ? <em>(empty)</em> : value}</dd>
            </>
          )}
        </dl>
        <Trace action={action} steps={steps} />
      </div>
      <p>
        <a href="/">Back to the form</a>
      </p>
    </Layout>
  )
}
