/**
 * Where the engine's and the supervisor's entry points are, for spawning
 * them: the compiled .js next to this module (the installed CLI), or, when
 * darkscope runs from its TypeScript sources (vitest, tsx bench), the .ts
 * files run through tsx's loader.
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface EntryPoint {
  readonly path: string;
  /** Node options before the script (the tsx loader for sources). */
  readonly execArgv: readonly string[];
}

function entry(name: string): EntryPoint {
  const here = fileURLToPath(import.meta.url);
  const ext = here.endsWith('.ts') ? '.ts' : '.js';
  const path = fileURLToPath(new URL(`./${name}${ext}`, import.meta.url));
  if (ext === '.js' || !existsSync(path)) return { path: path.replace(/\.ts$/, '.js'), execArgv: [] };
  // tsx is a dev dependency: present wherever the sources run.
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  return { path, execArgv: ['--import', pathToFileURL(join(tsxDir, 'dist', 'loader.mjs')).href] };
}

export function engineEntry(): EntryPoint {
  return entry('engine-main');
}

export function supervisorEntry(): EntryPoint {
  return entry('supervisor-main');
}
