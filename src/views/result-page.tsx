import type { TierStep } from '../cache/tiered-cache.ts'
import { Layout } from './layout.tsx'

export interface ResultPageProps {
  action: 'get' | 'set'
  keyName: string
  value: string | undefined
  steps: readonly TierStep[]
}

const TIER_NAMES = { local: 'Local cache', redis: 'Redis' } as const

function stepText(action: ResultPageProps['action'], step: TierStep): string {
  if (step.outcome === 'error') return 'unavailable, skipped'
  if (action === 'get') return step.outcome === 'hit' ? 'key found' : 'key not found'
  return step.outcome === 'hit' ? 'key found, overriding' : 'key not found, setting it'
}

/** The outcome of a form post: the key, its value, and each step of the lookup or write. */
export function ResultPage({ action, keyName, value, steps }: ResultPageProps) {
  return (
    <Layout title={action === 'get' ? 'Get result' : 'Set result'}>
      <h1>{action === 'get' ? (value === undefined ? 'Key not found' : 'Key found') : 'Key saved'}</h1>
      <div class="card">
        <dl>
          <dt>Key</dt>
          <dd>{keyName}</dd>
          {value !== undefined && (
            <>
              <dt>Value</dt>
              <dd>{value}</dd>
            </>
          )}
        </dl>
        <ol class="trace">
          {steps.map((step) => (
            <li class={step.outcome}>
              {TIER_NAMES[step.tier]}: {stepText(action, step)} ({step.durationMs.toFixed(2)} ms)
            </li>
          ))}
        </ol>
      </div>
      <p>
        <a href="/">Back to the form</a>
      </p>
    </Layout>
  )
}
