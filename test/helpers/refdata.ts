/**
 * Where the third-party reference data lives (read in place, never copied into the project):
 * `$GATEWAY_REFDATA`, else `<project root>/../shared/data`. Shared by the codegen tests of every
 * target; import it read-only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: the nearest ancestor of this file holding package.json (works from test/ and dist/test/). */
export const PROJECT_ROOT: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('project root (package.json) not found above test/helpers');
    dir = up;
  }
})();

/** Root of the reference data (the folder holding README.md, sbe/, fix/, …). */
export function refdataDir(): string {
  return process.env.GATEWAY_REFDATA ?? path.resolve(PROJECT_ROOT, '..', 'shared', 'data');
}

/** A path inside the reference data, e.g. `refdata('sbe', 'vectors', 'index.json')`. */
export function refdata(...parts: string[]): string {
  return path.join(refdataDir(), ...parts);
}
