import { setDefaultTimeout } from 'bun:test'

/** Preloaded by bunfig.toml: the per-test default for every file that sets no timeout of its own. */
setDefaultTimeout(30_000)
