import { describeHistories } from './history-suites.ts'

// Histories on Node, in a file of their own so the test runner's two workers share the load.
describeHistories('node', 2, 10)
