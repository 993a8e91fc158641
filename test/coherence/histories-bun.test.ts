import { describeHistories } from './history-suites.ts'

// Histories on Bun (test/coherence/history-run.ts says how they are run and checked).
describeHistories('bun', 3, 0)
