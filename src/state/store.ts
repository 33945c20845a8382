import { readFile } from 'node:fs/promises';
import { describeIssues } from '../config/issues.js';
import { UserError } from '../errors.js';
import type { StepId } from '../steps/catalog.js';
import { writeFileAtomic } from '../util/fs.js';
import { StateLock } from './lock.js';
import {
  emptyRecord,
  emptyState,
  type Mode,
  STATE_FORMAT,
  STATE_VERSION,
  type State,
  type StepRecord,
  stateSchema,
} from './schema.js';

/**
 * Reads a state file without locking it; undefined when there is none. A file that is not a
 * psc-bridge state of a version this build understands is refused and left untouched.
 */
export async function readState(path: string): Promise<State | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseState(text, path);
}

export function parseState(text: string, path: string): State {
  const refuse = (why: string, hint: string) =>
    new UserError(
      'STATE_INVALID',
      `The state file ${path} ${why}. psc-bridge left it as is.`,
      hint,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw refuse('is not valid JSON', 'Restore it from a backup or move it aside to start over.');
  }
  const header = raw as { format?: unknown; version?: unknown } | null;
  if (header?.format !== STATE_FORMAT) {
    throw refuse(
      'is not a psc-bridge state file',
      'Point --state at a psc-bridge state file, or at a path that does not exist yet.',
    );
  }
  if (typeof header.version === 'number' && header.version > STATE_VERSION) {
    throw refuse(
      `was written by a newer psc-bridge (format version ${header.version})`,
      `Upgrade psc-bridge; this build reads version ${STATE_VERSION}.`,
    );
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = describeIssues(parsed.error.issues).map((line) => `  ${line}`);
    throw refuse(
      `is damaged:\n${lines.join('\n')}\n`,
      'Repair the listed fields by hand, or move the file aside and let psc-bridge adopt ' +
        'what exists.',
    );
  }
  return parsed.data;
}

/**
 * The state file of one run, locked for the run's whole life. Every change is written through
 * at once (atomically), so a crash loses nothing that happened before it.
 */
export class StateStore {
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private state: State,
    private readonly lock: StateLock,
  ) {}

  /** Locks the file and reads it (or starts a fresh state in memory, written on first change). */
  static async open(path: string, mode: Mode): Promise<StateStore> {
    const lock = await StateLock.acquire(path);
    try {
      const existing = await readState(path);
      if (existing && existing.mode !== mode) {
        throw new UserError(
          'STATE_MODE_MISMATCH',
          `The state file ${path} was made in ${existing.mode} mode; this run is in ${mode} mode.`,
          mode === 'sandbox'
            ? 'Sandbox runs keep their state in ./.psc-bridge-sandbox/ unless --state says ' +
                'otherwise.'
            : 'Drop --sandbox only with a state made against the real clouds (pass --state).',
        );
      }
      return new StateStore(path, existing ?? emptyState(mode), lock);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  get data(): Readonly<State> {
    return this.state;
  }

  record(id: StepId): StepRecord {
    return this.state.steps[id] ?? emptyRecord();
  }

  /** Applies a change and writes the file before resolving; writes never interleave. */
  update(change: (state: State) => void): Promise<void> {
    const write = this.writes.then(async () => {
      change(this.state);
      this.state.updatedAt = new Date().toISOString();
      await writeFileAtomic(this.path, `${JSON.stringify(this.state, null, 2)}\n`, 0o600);
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  updateStep(id: StepId, change: (record: StepRecord) => void): Promise<void> {
    return this.update((state) => {
      const record = state.steps[id] ?? emptyRecord();
      change(record);
      state.steps[id] = record;
    });
  }

  async close(): Promise<void> {
    await this.writes;
    await this.lock.release();
  }
}
