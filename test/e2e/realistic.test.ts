import assert from 'node:assert/strict';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { World } from '../../src/sandbox/types.js';
import { gcpStepsDuring } from '../helpers/calls.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const RUNBOOK = fileURLToPath(new URL('../../examples/runbook.json', import.meta.url));
const REALISTIC = { PSC_BRIDGE_SANDBOX_LATENCY: 'realistic', PSC_BRIDGE_SANDBOX_SPEED: '100' };
const ARGS = ['--sandbox', '--config', 'runbook.json', '--yes'];

async function workspace(): Promise<string> {
  const cwd = await tempDir('psc-bridge-realistic-');
  await copyFile(RUNBOOK, join(cwd, 'runbook.json'));
  return cwd;
}

async function worldOf(cwd: string): Promise<World> {
  return JSON.parse(
    await readFile(join(cwd, '.psc-bridge-sandbox', 'world.json'), 'utf8'),
  ) as World;
}

/** Counts of what setup makes, each of which must exist exactly once. */
function inventory(world: World) {
  const project = world.gcp.projects['psc-bridge-sandbox'];
  const region = world.aws.regions['ap-northeast-1'];
  assert.ok(project && region);
  return {
    addresses: Object.values(project.globalAddresses).filter((a) => a.name === 'psced-address')
      .length,
    endpoints: Object.values(project.forwardingRules).filter((r) => r.name === 'awsconnpscep')
      .length,
    zones: Object.values(project.managedZones).filter((z) => z.dnsName === 'googleapis.com.')
      .length,
    policies: Object.keys(project.policies).length,
    groups: region.securityGroups.filter((g) => g.name === 'bigquery_vpn_test-resolver-outep-sg')
      .length,
    resolverEndpoints: region.resolverEndpoints.filter((e) => e.direction === 'OUTBOUND').length,
    rules: region.resolverRules.filter((r) => r.domainName === 'googleapis.com.').length,
    associations: region.ruleAssociations.filter(
      (a) => a.ruleId !== 'rslvr-autodefined-rr-internet-resolver',
    ).length,
  };
}

const ONE_EACH = {
  addresses: 1,
  endpoints: 1,
  zones: 1,
  policies: 1,
  groups: 1,
  resolverEndpoints: 1,
  rules: 1,
  associations: 1,
};

describe('setup with realistic latency', () => {
  test('GCP and AWS work overlaps', async () => {
    const cwd = await workspace();
    const result = await runCli(['setup', ...ARGS, '--json'], { cwd, env: REALISTIC });
    assert.equal(result.code, 0, result.stderr);
    const overlapping = gcpStepsDuring((await worldOf(cwd)).calls, 'create-resolver-endpoint');
    assert.ok(
      overlapping.length > 0,
      'some GCP step ran while the resolver endpoint was being made',
    );
    assert.deepEqual(inventory(await worldOf(cwd)), ONE_EACH);
  });

  // Interrupt points are moments the run itself reports (plain progress lines on stderr), not
  // wall-clock delays, which raced the run on a loaded machine and sometimes came after the end.
  const points: [string, RegExp, NodeJS.Signals][] = [
    ['the first AWS step starts', /^… create-sg:/m, 'SIGINT'],
    ['the resolver endpoint is being made', /^… create-resolver-endpoint:/m, 'SIGINT'],
    ['the PSC endpoint is done and AWS still waits', /^✓ create-psc /m, 'SIGTERM'],
    ['the association is being made', /^… associate:/m, 'SIGINT'],
  ];
  for (const [moment, pattern, signal] of points) {
    test(`${signal} when ${moment}: exit 130, and a rerun finishes with one of each`, async () => {
      const cwd = await workspace();
      const run = spawnCli(['setup', ...ARGS], { cwd, env: REALISTIC });
      await run.untilStderr(pattern);
      run.child.kill(signal);
      const stopped = await run.done;
      assert.equal(stopped.code, 130, stopped.stderr);
      assert.match(stopped.stderr, /Interrupted/);
      const rerun = await runCli(['setup', ...ARGS], { cwd, env: REALISTIC });
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.deepEqual(inventory(await worldOf(cwd)), ONE_EACH);
    });
  }

  test('an interrupted teardown resumes and leaves nothing behind', async () => {
    const cwd = await workspace();
    const setup = await runCli(['setup', ...ARGS], { cwd, env: REALISTIC });
    assert.equal(setup.code, 0, setup.stderr);
    const run = spawnCli(['teardown', ...ARGS], { cwd, env: REALISTIC });
    await run.untilStderr(/^… create-resolver-endpoint: removing/m);
    run.child.kill('SIGINT');
    const stopped = await run.done;
    assert.equal(stopped.code, 130, stopped.stderr);
    const resumed = await runCli(['teardown', ...ARGS], { cwd, env: REALISTIC });
    assert.equal(resumed.code, 0, resumed.stderr);
    const left = inventory(await worldOf(cwd));
    assert.deepEqual(left, { ...mapValues(ONE_EACH, 0) });
  });
});

function mapValues<T extends Record<string, number>>(value: T, to: number): T {
  return Object.fromEntries(Object.keys(value).map((key) => [key, to])) as T;
}
