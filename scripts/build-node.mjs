import { build } from 'esbuild'
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'

/**
 * The proxy for Node: `src/main.ts` bundled into `dist/main.js` by esbuild, the transpiler tsx runs
 * on, with the packages left in node_modules. Node then starts it without a TypeScript loader: a
 * start took 1.5 s of CPU through `--import tsx` (its loader thread sees every import) and 0.6 s
 * from the bundle. `npm run start:node` builds first (prestart:node), in ~40 ms, on Node alone:
 * this file is JavaScript for that reason (its types: build-node.d.mts).
 *
 * `dist/` sits one level under the project root, as `src/` does, so that `src/build-identity.ts`
 * finds `../package.json` from either.
 */
export const NODE_BUNDLE = join('dist', 'main.js')

/** Builds `<root>/dist/main.js` and its source map; each file is written aside, then renamed into place. */
export async function buildNodeBundle(root) {
  const outfile = join(root, NODE_BUNDLE)
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['src/main.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    tsconfig: join(root, 'tsconfig.json'),
    write: false,
    logLevel: 'warning',
  })
  mkdirSync(join(root, 'dist'), { recursive: true })
  // Maps first: a reader that sees the new bundle also finds its map. Concurrent builds of the same
  // sources (test workers) write the same bytes, and a rename never shows a half-written file.
  const files = [...result.outputFiles].sort((a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')))
  for (const file of files) {
    const aside = `${file.path}.${process.pid}.tmp`
    writeFileSync(aside, file.contents)
    renameSync(aside, file.path)
  }
  return outfile
}

/** @param {string} path @returns {number} */
function newestChange(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newestChange(join(path, entry))))
}

/** The bundle, built again only when `src/`, package.json or tsconfig.json changed after it. */
export async function freshNodeBundle(root) {
  const outfile = join(root, NODE_BUNDLE)
  const built = (() => {
    try {
      return statSync(outfile).mtimeMs
    } catch {
      return -1
    }
  })()
  const inputs = Math.max(...['src', 'package.json', 'tsconfig.json'].map((input) => newestChange(join(root, input))))
  return built >= inputs ? outfile : buildNodeBundle(root)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildNodeBundle(process.cwd())
