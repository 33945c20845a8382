import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeError } from '../errors.js';

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

/**
 * An exclusive lock beside the state file, holding the owner's PID so a refusal can name it.
 * proper-lockfile judges staleness by age, not by whether the owner lives, which would either
 * break a long setup's lock or keep a dead one; so this small lock is ours.
 */
export class StateLock {
  private constructor(readonly path: string) {}

  static async acquire(statePath: string): Promise<StateLock> {
    const path = `${statePath}.lock`;
    await mkdir(dirname(path), { recursive: true });
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await tryCreate(path)) return new StateLock(path);
      const holder = await readLock(path);
      if (!holder && (await isFresh(path))) {
        // Its owner has created it but not written its PID yet.
        await sleep(200);
        continue;
      }
      if (holder && isAlive(holder)) {
        throw new RuntimeError(
          'STATE_LOCKED',
          `Another psc-bridge (PID ${holder.pid} on ${holder.host}, since ${holder.startedAt}) ` +
            `is using ${statePath}.`,
          `Wait for it to finish. If it is gone, delete ${path} and run again.`,
        );
      }
      await takeOverStale(path, holder);
    }
    throw new RuntimeError('STATE_LOCKED', `Could not lock ${statePath}: it kept changing hands.`);
  }

  async release(): Promise<void> {
    const holder = await readLock(this.path);
    if (holder?.pid === process.pid) await rm(this.path, { force: true });
  }
}

async function tryCreate(path: string): Promise<boolean> {
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
  };
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(info));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockInfo>;
    if (typeof parsed.pid !== 'number') return undefined;
    return {
      pid: parsed.pid,
      host: String(parsed.host ?? ''),
      startedAt: String(parsed.startedAt ?? '?'),
    };
  } catch {
    return undefined;
  }
}

async function isFresh(path: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs < 2000;
  } catch {
    return false;
  }
}

function isAlive(holder: LockInfo): boolean {
  // A lock from another machine (a shared folder) cannot be checked: treat it as held.
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves a dead owner's lock aside. The rename is atomic, so of two processes taking over the
 * same stale lock only one moves it; if what was moved turns out to be a live lock someone
 * just took, it is put back.
 */
async function takeOverStale(path: string, seen: LockInfo | undefined): Promise<void> {
  const aside = `${path}.stale.${process.pid}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readLock(aside);
  if (seen && moved && moved.pid !== seen.pid && isAlive(moved)) {
    await rename(aside, path);
    return;
  }
  await rm(aside, { force: true });
}
