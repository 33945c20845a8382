import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import { settle } from '../helpers/gcp.js';
import { gcpBench, ok, PROJECT, REGION, world } from '../helpers/gcp-steps.js';

const RUNBOOK = GCP_SEED.runbook;
const PSC_RANGE = `${RUNBOOK.pscAddress}/32`;
const ROUTER = { project: PROJECT, region: REGION, router: GCP_SEED.router };

// Top level, not in before(): the bench registers its cleanup with after() for the file.
const { bench, clients } = await gcpBench();

/** The requestIds of the calls `operation` made since `mark`, as the call log records them. */
function requestIds(mark: number, operation: string): string[] {
  return bench
    .callsSince(mark)
    .filter((call) => call.operation === operation)
    .map((call) => /requestId=([\w-]+)/.exec(call.target ?? '')?.[1] ?? '(none)');
}

/**
 * Compute answers a repeated requestId with the first call's operation and does nothing. A
 * step that finished and must make its resource again (it was removed behind psc-bridge's
 * back) therefore needs a new id, or it would report success and leave nothing behind.
 */
test('create-psc remakes a rule deleted behind its back, with a new requestId', async () => {
  let mark = bench.mark();
  assert.equal(ok(await bench.apply(['create-psc']), 'create-psc').action, 'created');
  const [first] = requestIds(mark, 'compute.globalForwardingRules.insert');
  assert.ok(first && first !== '(none)', 'the insert carried a requestId');

  const forwardingRule = RUNBOOK.endpointName;
  await settle(
    clients,
    await clients.compute.globalForwardingRules.delete({ project: PROJECT, forwardingRule }),
  );
  mark = bench.mark();
  ok(await bench.apply(['create-psc']), 'create-psc');
  const [second] = requestIds(mark, 'compute.globalForwardingRules.insert');
  assert.ok(second && second !== first, `a new requestId (${first} then ${second})`);
  assert.ok(world(bench).forwardingRules[forwardingRule], 'the rule exists again');
});

test('advertise-route puts back a /32 withdrawn behind its back', async () => {
  ok(await bench.apply(['advertise-route']), 'advertise-route');
  const ranges = () =>
    world(bench).routers[`${REGION}/${GCP_SEED.router}`]?.bgp.advertisedIpRanges.map(
      (r) => r.range,
    );
  assert.deepEqual(ranges(), [PSC_RANGE]);

  // Someone puts the router back to DEFAULT: the /32 is gone, and the patch that brings it
  // back is the very one the first run sent.
  const routerResource = { bgp: { advertiseMode: 'DEFAULT' } };
  await settle(clients, await clients.compute.routers.patch({ ...ROUTER, routerResource }));
  assert.deepEqual(ranges(), []);
  const outcome = ok(await bench.apply(['advertise-route']), 'advertise-route');
  assert.equal(outcome.action, 'updated');
  assert.deepEqual(ranges(), [PSC_RANGE]);
});
