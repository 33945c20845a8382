import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CallRecord, World } from '../../src/sandbox/types.js';
import { seedWorld } from '../../src/sandbox/world-store.js';
import { STEP_IDS } from '../../src/steps/catalog.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const RUNBOOK = fileURLToPath(new URL('../../examples/runbook.json', import.meta.url));

interface RunJson {
  ok: boolean;
  steps: { id: string; action: string; durationMs: number; resources: Record<string, string> }[];
}

/** A folder of its own, holding the runbook config and (once used) the sandbox world. */
async function workspace(): Promise<{
  cwd: string;
  cli: (...args: string[]) => ReturnType<typeof runCli>;
}> {
  const cwd = await tempDir('psc-bridge-e2e-');
  await copyFile(RUNBOOK, join(cwd, 'runbook.json'));
  return {
    cwd,
    cli: (...args) => runCli([...args, '--sandbox', '--config', 'runbook.json'], { cwd }),
  };
}

async function world(cli: (...args: string[]) => ReturnType<typeof runCli>): Promise<World> {
  const shown = await cli('sandbox', 'show', '--json');
  assert.equal(shown.code, 0, shown.stderr);
  return (JSON.parse(shown.stdout) as { world: World }).world;
}

/** The world's resources, leaving out what is expected to change: call log, operations,
 * enabled APIs (teardown leaves them on, as it says), and bookkeeping. */
function resourcesOf(world: World): unknown {
  const copy = structuredClone(world) as World;
  copy.calls = [];
  for (const project of Object.values(copy.gcp.projects)) {
    project.services = {};
    project.serviceOperations = {};
    project.operations = {};
    project.requestIds = {};
  }
  return copy;
}

describe('setup, status, rerun, plan, teardown on the sandbox', () => {
  let space: Awaited<ReturnType<typeof workspace>>;
  before(async () => {
    space = await workspace();
  });

  test('before setup, status finds nothing, even behind APIs still switched off', async () => {
    const result = await space.cli('status', '--json');
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as {
      steps: { id: string; status: string; live: string }[];
    };
    for (const step of json.steps) {
      assert.deepEqual([step.status, step.live], ['pending', 'absent'], step.id);
    }
  });

  test('setup creates the whole path', async () => {
    const result = await space.cli('setup', '--yes', '--json');
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as RunJson;
    assert.equal(json.ok, true);
    assert.deepEqual(json.steps.map((s) => s.id).sort(), [...STEP_IDS].sort());
    for (const step of json.steps) {
      assert.ok(
        ['created', 'adopted', 'updated'].includes(step.action),
        `${step.id} ${step.action}`,
      );
    }
  });

  test('status shows every step done and present', async () => {
    const result = await space.cli('status', '--json');
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as {
      steps: { id: string; status: string; live: string; owned: string | null }[];
    };
    for (const step of json.steps) {
      assert.equal(step.status, 'done', step.id);
      assert.equal(step.live, 'present', step.id);
    }
  });

  test('a rerun makes no mutating call and asks each question at most once', async () => {
    const from = (await world(space.cli)).calls.length;
    const result = await space.cli('setup', '--yes', '--json');
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as RunJson;
    assert.ok(json.steps.every((s) => s.action === 'unchanged' || s.action === 'adopted'));
    const calls = (await world(space.cli)).calls.slice(from);
    assert.deepEqual(
      calls.filter((c: CallRecord) => c.mutating),
      [],
    );
    const seen = new Map<string, number>();
    for (const call of calls) {
      const key = `${call.service} ${call.operation} ${call.target}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    const repeated = [...seen].filter(([, n]) => n > 1);
    assert.deepEqual(repeated, [], 'no read asked twice');
  });

  test('plan has nothing to do', async () => {
    const result = await space.cli('plan', '--json');
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as {
      steps: { id: string; action: string; commands: string[] }[];
    };
    for (const step of json.steps) assert.equal(step.action, 'nothing', step.id);
  });

  test('teardown leaves the world as it was seeded', async () => {
    const result = await space.cli('teardown', '--yes', '--json');
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as RunJson;
    assert.equal(json.ok, true);
    assert.deepEqual(resourcesOf(await world(space.cli)), resourcesOf(seedWorld()));
  });

  test('sandbox reset brings back the seeded world and an empty call log', async () => {
    const reset = await runCli(['sandbox', 'reset'], { cwd: space.cwd });
    assert.equal(reset.code, 0, reset.stderr);
    const after = await world(space.cli);
    assert.deepEqual(after.calls, []);
    assert.deepEqual(resourcesOf(after), resourcesOf(seedWorld()));
    const dns = Object.values(after.gcp.projects)[0]?.services['dns.googleapis.com'];
    assert.notEqual(dns?.state, 'ENABLED', 'APIs enabled by setup are off again');
  });
});
