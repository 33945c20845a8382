import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { World } from '../../src/sandbox/types.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

/**
 * What the verify test files share: a sandbox directory set up once from the runbook, ways
 * to break its world behind psc-bridge's back, and a runner for the fixes verify suggests.
 */

const RUNBOOK = fileURLToPath(new URL('../../examples/runbook.json', import.meta.url));

export interface Check {
  id: string;
  ok: boolean;
  reason: string;
  fix?: string;
}

export interface VerifyWorld {
  cwd: string;
  worldPath: string;
  cli(...args: string[]): Promise<CliResult>;
  verify(...extra: string[]): Promise<{ code: number; checks: Check[] }>;
  /** Changes the world from the set-up one, runs `check`, then puts world and state back. */
  broken(change: (world: World) => void, check: () => Promise<void>): Promise<void>;
  /** Edits the current world file (what a gcloud or aws command run by hand would change). */
  byHand(change: (world: World) => void): Promise<void>;
  /**
   * Runs, in order, every `psc-bridge …` command a failed check's fix names, the way a user
   * would copy them, then expects verify to pass again: the fix runs in the state it is for.
   */
  applyFix(check: Check): Promise<void>;
}

/** A fresh directory with the runbook config; `setup` runs there unless told otherwise. */
export async function verifyWorld(options: { setup?: boolean } = {}): Promise<VerifyWorld> {
  const cwd = await tempDir('psc-bridge-verify-');
  await copyFile(RUNBOOK, join(cwd, 'runbook.json'));
  const cli = (...args: string[]) =>
    runCli([...args, '--sandbox', '--config', 'runbook.json'], { cwd });
  const worldPath = join(cwd, '.psc-bridge-sandbox', 'world.json');
  const statePath = join(cwd, '.psc-bridge-sandbox', 'state.json');
  let world = '';
  let state = '';
  if (options.setup !== false) {
    const setup = await cli('setup', '--yes');
    assert.equal(setup.code, 0, setup.stderr);
    [world, state] = await Promise.all([readFile(worldPath, 'utf8'), readFile(statePath, 'utf8')]);
  }

  async function verify(...extra: string[]) {
    const result = await cli('verify', '--json', ...extra);
    const json = JSON.parse(result.stdout) as { ok: boolean; checks: Check[] };
    assert.ok(Array.isArray(json.checks), `${result.stdout}\n${result.stderr}`);
    assert.equal(json.ok, result.code === 0, result.stderr);
    return { code: result.code, checks: json.checks };
  }

  async function edit(change: (world: World) => void, from?: string) {
    const current = JSON.parse(from ?? (await readFile(worldPath, 'utf8'))) as World;
    change(current);
    await writeFile(worldPath, JSON.stringify(current));
  }

  return {
    cwd,
    worldPath,
    cli,
    verify,
    async broken(change, check) {
      await edit(change, world);
      try {
        await check();
      } finally {
        await Promise.all([writeFile(worldPath, world), writeFile(statePath, state)]);
      }
    },
    byHand: (change) => edit(change),
    async applyFix(check) {
      const commands = [...(check.fix ?? '').matchAll(/`psc-bridge ([^`]+)`/g)].map((m) =>
        (m[1] ?? '').split(' '),
      );
      assert.ok(commands.length > 0, `no psc-bridge command in the fix of ${check.id}`);
      for (const command of commands) {
        const run = await cli(...command, '--yes');
        assert.equal(run.code, 0, `psc-bridge ${command.join(' ')}:\n${run.stderr}`);
      }
      const after = await verify('--from-vpc');
      const left = after.checks.filter((c) => !c.ok);
      assert.equal(after.code, 0, JSON.stringify(left, null, 2));
    },
  };
}

export function failed(checks: Check[]): string[] {
  return checks.filter((c) => !c.ok).map((c) => c.id);
}

export function byId(checks: Check[], id: string): Check {
  const check = checks.find((c) => c.id === id);
  assert.ok(check, `no check ${id}`);
  return check;
}

export function region(world: World) {
  const found = world.aws.regions['ap-northeast-1'];
  assert.ok(found);
  return found;
}

export function project(world: World) {
  const found = world.gcp.projects['psc-bridge-sandbox'];
  assert.ok(found);
  return found;
}

/** A UDP port on loopback that nothing listens on (bound, read, released). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}
