import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The `aws` CLI on PATH, or undefined where it is not installed. */
export function findAws(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'aws');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
