/**
 * `npm run dashboards`: writes the dashboard JSON and the alert-rule YAML
 * generated from dashboards/src. `npm run dashboards -- --check` only
 * compares and exits 1 when a committed file is stale.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generatedFiles } from './generate.js';

/** The repository root (this file is dashboards/src/main.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function run(argv: readonly string[], root = REPO_ROOT, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const check = argv.includes('--check');
  const stale: string[] = [];
  for (const [path, text] of generatedFiles()) {
    const file = join(root, path);
    const current = await readFile(file, 'utf8').catch(() => null);
    if (current === text) continue;
    stale.push(path);
    if (!check) {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
    }
  }
  if (check) {
    out.write(stale.length === 0 ? 'dashboards: generated files are up to date\n' : `dashboards: stale (run npm run dashboards): ${stale.join(', ')}\n`);
    return stale.length === 0 ? 0 : 1;
  }
  out.write(stale.length === 0 ? 'dashboards: nothing to write\n' : `dashboards: wrote ${stale.join(', ')}\n`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await run(process.argv.slice(2));
}
