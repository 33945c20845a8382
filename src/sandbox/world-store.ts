import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../util/fs.js';
import { seedAwsWorld } from './aws/world.js';
import { seedGcpWorld } from './gcp/world.js';
import type { World } from './types.js';

export function seedWorld(): World {
  return {
    format: 'psc-bridge-sandbox-world',
    version: 1,
    gcp: seedGcpWorld(),
    aws: seedAwsWorld(),
    calls: [],
  };
}

export class WorldFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(
      `The sandbox world file ${file} is not usable: ${reason}. ` +
        'Run `psc-bridge sandbox reset` to start again from the seeded world.',
    );
    this.name = 'WorldFileError';
  }
}

/**
 * Holds the world for a running emulator and keeps it in step with its file, so that a
 * `sandbox serve` and a command run with `--sandbox` over the same file see the same clouds.
 * Without a file the world lives in memory only (handy for tests).
 */
export class WorldStore {
  private world: World;
  private seenMtimeMs = -1;

  constructor(readonly file?: string) {
    this.world = file ? (readWorldFile(file) ?? seedWorld()) : seedWorld();
    if (file) this.seenMtimeMs = mtimeOf(file);
  }

  /** The current world, re-read first if another process changed the file. */
  current(): World {
    if (this.file) {
      const mtime = mtimeOf(this.file);
      if (mtime !== this.seenMtimeMs && mtime !== -1) {
        this.world = readWorldFile(this.file) ?? this.world;
        this.seenMtimeMs = mtime;
      }
    }
    return this.world;
  }

  replace(world: World): void {
    this.world = world;
  }

  async save(): Promise<void> {
    if (!this.file) return;
    await writeFileAtomic(this.file, `${JSON.stringify(this.world, null, 2)}\n`, 0o600);
    this.seenMtimeMs = mtimeOf(this.file);
  }
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/** Reads a world file; undefined when there is none yet. */
export function readWorldFile(file: string): World | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WorldFileError(file, 'it is not valid JSON');
  }
  const candidate = parsed as Partial<World> | null;
  if (candidate?.format !== 'psc-bridge-sandbox-world') {
    throw new WorldFileError(file, 'it is not a psc-bridge sandbox world');
  }
  if (candidate.version !== 1) {
    throw new WorldFileError(file, `its version ${String(candidate.version)} is not supported`);
  }
  return candidate as World;
}
