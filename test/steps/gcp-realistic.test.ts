import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import type { StepId } from '../../src/steps/catalog.js';
import { gcpBench, mutations, ok, REGION, world } from '../helpers/gcp-steps.js';

const GCP_STEPS: StepId[] = [
  'enable-apis',
  'create-psc',
  'advertise-route',
  'create-zone',
  'add-records',
  'create-policy',
];

// Real durations replayed 1000 times faster: operations stay PENDING/RUNNING for a while,
// enabled APIs refuse calls until they propagate, forwarders appear after the policy.
const { bench } = await gcpBench({
  sandbox: { profile: { latency: 'realistic', speed: 1000 } },
  enable: false,
});

test('all six GCP steps apply, rerun without changes, and tear down to the seed', async () => {
  const progress: string[] = [];
  const result = await bench.apply(GCP_STEPS, { progress });
  for (const id of GCP_STEPS) assert.notEqual(ok(result, id).action, 'unchanged', id);

  const project = world(bench);
  assert.equal(project.globalAddresses[GCP_SEED.runbook.pscAddressName]?.status, 'IN_USE');
  const router = project.routers[`${REGION}/${GCP_SEED.router}`];
  assert.deepEqual(
    router?.bgp.advertisedIpRanges.map((each) => each.range),
    [`${GCP_SEED.runbook.pscAddress}/32`],
  );
  const state = await bench.state();
  assert.deepEqual(state?.steps['create-psc']?.outputs, {
    endpoint: GCP_SEED.runbook.endpointName,
    pscIp: GCP_SEED.runbook.pscAddress,
  });
  assert.deepEqual(state?.steps['create-policy']?.outputs, {
    forwarders: { [REGION]: [GCP_SEED.runbook.expectedForwarderIp] },
  });
  assert.ok(progress.length > 0, 'the steps reported progress while waiting');

  const mark = bench.mark();
  const again = await bench.apply(GCP_STEPS);
  for (const id of GCP_STEPS) assert.equal(ok(again, id).action, 'unchanged', id);
  assert.deepEqual(mutations(bench, mark), []);

  const down = await bench.destroy(GCP_STEPS);
  assert.ok(down.ok, String(down.failure?.error));
  const after = world(bench);
  assert.deepEqual(Object.keys(after.globalAddresses), []);
  assert.deepEqual(Object.keys(after.forwardingRules), []);
  assert.deepEqual(Object.keys(after.managedZones), []);
  assert.deepEqual(Object.keys(after.policies), []);
  assert.equal(after.routers[`${REGION}/${GCP_SEED.router}`]?.bgp.advertiseMode, 'DEFAULT');
});

test('calls refused while a just-enabled API propagates are retried', async () => {
  // Only an API enable-apis turned on moments ago is waited for: turn Cloud DNS on that way.
  world(bench).services['dns.googleapis.com'] = { state: 'DISABLED' };
  ok(await bench.apply(['enable-apis']), 'enable-apis');
  const services = world(bench).services;
  // Cloud DNS is enabled but still propagating: it refuses calls until the sandbox has
  // refused one, and answers from then on (no wall-clock race with a loaded machine).
  services['dns.googleapis.com'] = { state: 'ENABLED', usableAt: Number.MAX_SAFE_INTEGER };
  bench.killOn = (call) => {
    if (call.error !== 'accessNotConfigured') return;
    const dns = world(bench).services['dns.googleapis.com'];
    if (dns) dns.usableAt = 0;
    bench.killOn = undefined;
  };
  const mark = bench.mark();
  assert.equal(ok(await bench.apply(['create-zone']), 'create-zone').action, 'created');
  const refusals = bench.callsSince(mark).filter((call) => call.error === 'accessNotConfigured');
  assert.ok(refusals.length > 0, 'the first Cloud DNS calls were refused');
  ok(await bench.destroy(['create-zone']), 'create-zone');
});
