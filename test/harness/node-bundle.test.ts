import { expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { freshNodeBundle, NODE_BUNDLE } from '../../scripts/build-node.mjs'
import { copyProject } from './project-copy.ts'

/** Sets a file's time stamps, or those of a directory and everything in it. */
function dateBack(path: string, to: Date): void {
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) dateBack(join(path, entry), to)
  utimesSync(path, to, to)
}

test('the Node bundle is built when missing, kept while src/ is unchanged, built again after an edit', async () => {
  const copy = copyProject()
  try {
    const bundle = join(copy.dir, NODE_BUNDLE)
    expect(existsSync(bundle)).toBe(false)
    expect(await freshNodeBundle(copy.dir)).toBe(bundle)
    expect(readFileSync(bundle, 'utf8')).toContain('//# sourceMappingURL=main.js.map')
    expect(existsSync(`${bundle}.map`)).toBe(true)

    // Dated back, so that a rebuild shows in the time stamp whatever the file system's resolution.
    const past = new Date(Date.now() - 60_000)
    utimesSync(bundle, past, past)
    const before = new Date(past.getTime() - 60_000)
    for (const input of ['src', 'package.json', 'tsconfig.json']) dateBack(join(copy.dir, input), before)
    await freshNodeBundle(copy.dir)
    expect(statSync(bundle).mtimeMs).toBe(past.getTime())

    // An edit deep in src/ (a file's time stamp, not its directory's) is seen.
    const now = new Date()
    utimesSync(join(copy.dir, 'src', 'cache', 'tiers', 'memory-tier.ts'), now, now)
    await freshNodeBundle(copy.dir)
    expect(statSync(bundle).mtimeMs).toBeGreaterThan(past.getTime())
  } finally {
    copy.remove()
  }
})
