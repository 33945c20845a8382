import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RuntimeError, UserError } from '../../src/errors.js';
import { STATE_VERSION } from '../../src/state/schema.js';
import { readState, StateStore } from '../../src/state/store.js';
import { tempDir } from '../helpers/temp.js';

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid ?? 999_999;
}

describe('state store', () => {
  test('writes nothing until the first change, then a 0600 file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'state.json');
    const store = await StateStore.open(path, 'cloud');
    await assert.rejects(stat(path), { code: 'ENOENT' });
    await store.updateStep('create-psc', (record) => {
      record.status = 'done';
      record.resources.address = 'psced-address';
    });
    await store.close();
    const info = await stat(path);
    assert.equal(info.mode & 0o777, 0o600);
    const state = await readState(path);
    assert.equal(state?.steps['create-psc']?.resources.address, 'psced-address');
    assert.equal(state?.version, STATE_VERSION);
    const left = await readdir(dir);
    assert.deepEqual(left, ['state.json'], 'no temp or lock file is left behind');
  });

  test('a state path in a folder that does not exist yet works', async () => {
    const dir = await tempDir();
    const path = join(dir, 'nested', 'deeper', 'state.json');
    const store = await StateStore.open(path, 'sandbox');
    await store.update(() => {});
    await store.close();
    assert.equal((await readState(path))?.mode, 'sandbox');
  });

  test('concurrent updates are all kept, in order', async () => {
    const dir = await tempDir();
    const path = join(dir, 'state.json');
    const store = await StateStore.open(path, 'cloud');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.updateStep('create-sg', (record) => {
          record.tokens[`t${i}`] = String(i);
        }),
      ),
    );
    await store.close();
    const state = await readState(path);
    assert.equal(Object.keys(state?.steps['create-sg']?.tokens ?? {}).length, 20);
  });

  for (const [name, content, pattern] of [
    ['corrupt', '{"format": "psc-bridge-state", ', /is not valid JSON/],
    ['foreign', '{"hello": "world"}', /is not a psc-bridge state file/],
    [
      'newer',
      `{"format": "psc-bridge-state", "version": ${STATE_VERSION + 1}}`,
      /newer psc-bridge/,
    ],
    [
      'damaged',
      `{"format":"psc-bridge-state","version":1,"mode":"cloud","createdAt":"x","updatedAt":"x",` +
        `"config":{},"steps":{"create-psc":{"status":"nearly"}}}`,
      /steps\.create-psc\.status/,
    ],
  ] as const) {
    test(`a ${name} file is refused, named, and left untouched`, async () => {
      const dir = await tempDir();
      const path = join(dir, 'state.json');
      await writeFile(path, content);
      await assert.rejects(
        StateStore.open(path, 'cloud'),
        (error: unknown) =>
          error instanceof UserError &&
          error.exitCode === 2 &&
          error.message.includes(path) &&
          pattern.test(error.message),
      );
      assert.equal(await readFile(path, 'utf8'), content);
      assert.deepEqual(await readdir(dir), ['state.json'], 'the lock is released');
    });
  }

  test('a state made in one mode is refused by the other', async () => {
    const dir = await tempDir();
    const path = join(dir, 'state.json');
    const store = await StateStore.open(path, 'sandbox');
    await store.update(() => {});
    await store.close();
    await assert.rejects(StateStore.open(path, 'cloud'), /made in sandbox mode/);
  });

  test('a second run on the same file is refused, naming the holder PID', async () => {
    const dir = await tempDir();
    const path = join(dir, 'state.json');
    const first = await StateStore.open(path, 'cloud');
    await assert.rejects(
      StateStore.open(path, 'cloud'),
      (error: unknown) =>
        error instanceof RuntimeError &&
        error.code === 'STATE_LOCKED' &&
        error.message.includes(`PID ${process.pid}`),
    );
    await first.close();
    const again = await StateStore.open(path, 'cloud');
    await again.close();
  });

  test('a lock held by a live process in another run is respected', async () => {
    const dir = await tempDir();
    const path = join(dir, 'state.json');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const { hostname } = await import('node:os');
      const info = { pid: holder.pid, host: hostname(), startedAt: 'earlier' };
      await writeFile(`${path}.lock`, JSON.stringify(info));
      await assert.rejects(StateStore.open(path, 'cloud'), new RegExp(`PID ${holder.pid}`));
    } finally {
      holder.kill();
    }
  });

  test('a stale lock (dead PID) is taken over', async () => {
    const dir = await tempDir();
    const path = join(dir, 'state.json');
    const { hostname } = await import('node:os');
    const info = { pid: await deadPid(), host: hostname(), startedAt: 'long ago' };
    await writeFile(`${path}.lock`, JSON.stringify(info));
    const store = await StateStore.open(path, 'cloud');
    const lock = JSON.parse(await readFile(`${path}.lock`, 'utf8')) as { pid: number };
    assert.equal(lock.pid, process.pid);
    await store.close();
    assert.deepEqual(await readdir(dir), []);
  });
});
