// Shared test helpers: where the shared vectors live (as the Rust and Go tests find them).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** shared/ beside the project (or $CLAW_SHARED_DIR); throws when missing, never skips. */
export function sharedDir() {
  if (process.env.CLAW_SHARED_DIR) return process.env.CLAW_SHARED_DIR;
  let here = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    for (const c of [join(here, 'shared'), join(here, '..', 'shared')]) {
      if (existsSync(join(c, 'vectors'))) return resolve(c);
    }
    const parent = dirname(here);
    if (parent === here) throw new Error('shared/ vectors not found; set CLAW_SHARED_DIR');
    here = parent;
  }
}
