/**
 * --after delete / move:DIR: what becomes of a followed file once every
 * packet of it is stored. A move keeps the name (a suffix is added when the
 * target exists) and falls back to copy + delete across filesystems.
 */
import { copyFile, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AfterAction } from '../../config.js';
import { DarkscopeError } from '../../errors.js';

/** Makes sure a move target exists before the watcher starts. */
export async function prepareAfterAction(action: AfterAction): Promise<void> {
  if (action.kind !== 'move') return;
  try {
    await mkdir(action.dir, { recursive: true });
  } catch (e) {
    throw new DarkscopeError('BAD_CONFIG', `--after move: cannot create "${action.dir}" (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { file: action.dir });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Applies the action to `path`; returns where the file went (null: deleted or kept). */
export async function applyAfterAction(action: AfterAction, path: string): Promise<string | null> {
  if (action.kind === 'keep') return null;
  if (action.kind === 'delete') {
    await unlink(path);
    return null;
  }
  const name = basename(path);
  let target = join(action.dir, name);
  for (let n = 1; await exists(target); n++) target = join(action.dir, `${name}.${n}`);
  try {
    await rename(path, target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    await copyFile(path, target);
    await unlink(path);
  }
  return target;
}
