import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CallRecord, World } from '../../src/sandbox/types.js';
import { seedWorld } from '../../src/sandbox/world-store.js';
import { STEP_IDS, type StepId, stepInfo } from '../../src/steps/catalog.js';
import { gcpStepsDuring } from '../helpers/calls.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const RUNBOOK = fileURLToPath(new URL('../../examples/runbook.json', import.meta.url));

interface RunJson {
  ok: boolean;
  steps: { id: string; action: string; durationMs: number; resources: Record<string, string> }[];
}

type Cli = (...args: string[]) => ReturnType<typeof runCli>;

/** A folder of its own, holding the runbook config and (once used) the sandbox world. */
async function workspace(env: NodeJS.ProcessEnv = {}): Promise<{ cwd: string; cli: Cli }> {
  const cwd = await tempDir('psc-bridge-e2e-');
  await copyFile(RUNBOOK, join(cwd, 'runbook.json'));
  return {
    cwd,
    cli: (...args) => runCli([...args, '--sandbox', '--config', 'runbook.json'], { cwd, env }),
  };
}

interface PlanJson {
  direction: string;
  steps: { id: string; action: string; commands: string[] }[];
}

/** Runs a command that must change nothing, and returns its JSON and the calls it made. */
async function lookOnly<T>(cli: Cli, ...args: string[]): Promise<{ json: T; calls: CallRecord[] }> {
  const from = (await world(cli)).calls.length;
  const result = await cli(...args, '--json');
  assert.equal(result.code, 0, result.stderr);
  const calls = (await world(cli)).calls.slice(from);
  assert.deepEqual(
    calls.filter((call) => call.mutating).map((call) => `${call.service} ${call.operation}`),
    [],
    `${args.join(' ')} changes nothing`,
  );
  return { json: JSON.parse(result.stdout) as T, calls };
}

const actions = (plan: PlanJson) => Object.fromEntries(plan.steps.map((s) => [s.id, s.action]));

async function world(cli: Cli): Promise<World> {
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

const PROFILES: [string, NodeJS.ProcessEnv][] = [
  ['instant', {}],
  [
    'realistic latency',
    { PSC_BRIDGE_SANDBOX_LATENCY: 'realistic', PSC_BRIDGE_SANDBOX_SPEED: '100' },
  ],
];

for (const [profile, env] of PROFILES) {
  describe(`setup, status, rerun, plan, teardown on the sandbox (${profile})`, () => {
    let space: Awaited<ReturnType<typeof workspace>>;
    before(async () => {
      space = await workspace(env);
    });

    test('before setup, status finds nothing, even behind APIs still switched off', async () => {
      const { json } = await lookOnly<{ steps: { id: string; status: string; live: string }[] }>(
        space.cli,
        'status',
      );
      for (const step of json.steps) {
        assert.deepEqual([step.status, step.live], ['pending', 'absent'], step.id);
      }
    });

    test('before setup, plan creates every step, with the CLI lines to do it by hand', async () => {
      const { json } = await lookOnly<PlanJson>(space.cli, 'plan');
      assert.equal(json.direction, 'apply');
      assert.deepEqual(actions(json), Object.fromEntries(STEP_IDS.map((id) => [id, 'create'])));
      for (const step of json.steps) {
        const tool = stepInfo(step.id as StepId).cloud === 'gcp' ? /^gcloud / : /aws /;
        assert.ok(
          step.commands.some((line) => tool.test(line)),
          `${step.id}: ${step.commands}`,
        );
      }
      const teardown = await lookOnly<PlanJson>(space.cli, 'plan', '--teardown');
      assert.ok(
        teardown.json.steps.every((s) => s.action === 'nothing' && s.commands.length === 0),
      );
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
      // One round of inspections, all steps at once, as `status` makes: no step's apply ran.
      const looked = (await lookOnly(space.cli, 'status')).calls;
      const asked = (list: CallRecord[]) =>
        list.map((c) => `${c.step} ${c.service} ${c.operation} ${c.target}`).sort();
      assert.deepEqual(asked(calls), asked(looked));
      assert.deepEqual(
        json.steps.map((s) => s.action),
        STEP_IDS.map(() => 'unchanged'),
      );
    });

    test('plan: nothing to do; --teardown deletes, restores the router, keeps APIs', async () => {
      const { json } = await lookOnly<PlanJson>(space.cli, 'plan');
      for (const step of json.steps) assert.equal(step.action, 'nothing', step.id);
      const teardown = (await lookOnly<PlanJson>(space.cli, 'plan', '--teardown')).json;
      assert.equal(teardown.direction, 'destroy');
      const expected = Object.fromEntries(STEP_IDS.map((id) => [id, 'delete']));
      expected['enable-apis'] = 'leave';
      expected['advertise-route'] = 'restore';
      assert.deepEqual(actions(teardown), expected);
      assert.deepEqual(
        teardown.steps.map((s) => s.id),
        [...STEP_IDS].reverse(),
      );
    });

    test('teardown leaves the world as it was seeded', async () => {
      const from = (await world(space.cli)).calls.length;
      const result = await space.cli('teardown', '--yes', '--json');
      assert.equal(result.code, 0, result.stderr);
      const json = JSON.parse(result.stdout) as RunJson;
      assert.equal(json.ok, true);
      const after = await world(space.cli);
      assert.deepEqual(resourcesOf(after), resourcesOf(seedWorld()));
      if (profile !== 'instant') {
        const overlapping = gcpStepsDuring(after.calls.slice(from), 'create-resolver-endpoint');
        assert.ok(overlapping.length > 0, 'GCP teardown ran while the endpoint was being deleted');
      }
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
}
