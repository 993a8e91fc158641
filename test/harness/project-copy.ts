import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './proxy-process.ts'

/** What a clone of the project holds that the service needs (no .data, no build output). */
const PROJECT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'bunfig.toml', 'src', 'scripts']

export interface ProjectCopy {
  readonly dir: string
  remove(): void
}

/**
 * A fresh copy of the project in a temp directory, as a newcomer's clone would be: its own working
 * directory (so its own `.data/`). `withNodeModules` links this checkout's node_modules in, which
 * is what `npm install` would have made; without it the copy is ready for an `npm ci` of its own.
 */
export function copyProject({ withNodeModules = true } = {}): ProjectCopy {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-copy-'))
  for (const file of PROJECT_FILES) cpSync(join(ROOT, file), join(dir, file), { recursive: true })
  if (withNodeModules) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
