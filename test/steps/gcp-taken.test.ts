import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import { settle } from '../helpers/gcp.js';
import { gcpBench, intercept, ok, PROJECT, world } from '../helpers/gcp-steps.js';

// Someone makes the very resource a step is about to create, in the moment between the step's
// look and its create call. The create meets ALREADY_EXISTS; psc-bridge must then claim
// nothing, so that a teardown leaves that resource alone.

const RUNBOOK = GCP_SEED.runbook;

// Top level, not in before(): the bench registers its cleanup with after() for the file.
const { bench, clients } = await gcpBench();
const dns = await clients.dns();

test('a zone made by someone else just before our create is not ours to delete', async () => {
  const restore = intercept(dns.managedZones, 'create', (original) => async (...args) => {
    restore();
    await original(...args); // theirs, identical, a moment earlier
    return original(...args); // ours: 409
  });
  const run = await bench.apply(['create-zone']);
  assert.equal(run.ok, false, 'the create met 409');
  const record = (await bench.state())?.steps['create-zone'];
  assert.equal(record?.tokens.zone, undefined, 'no claim left on their zone');

  const down = ok(await bench.destroy(['create-zone']), 'create-zone');
  assert.notEqual(down.action, 'deleted');
  assert.ok(world(bench).managedZones[RUNBOOK.zoneName], 'their zone is still there');
  await dns.managedZones.delete({ project: PROJECT, managedZone: RUNBOOK.zoneName });
});

test('a PSC address reserved by someone else just before ours is not ours to delete', async () => {
  const addresses = clients.compute.globalAddresses;
  const restore = intercept(addresses, 'insert', (original) => async (...args) => {
    restore();
    const [request] = args as [{ requestId?: string }];
    // Theirs: the same address under their own request id.
    await settle(clients, (await original({ ...request, requestId: undefined })) as never);
    return original(...args);
  });
  const run = await bench.apply(['create-psc']);
  assert.equal(run.ok, false, 'the insert met 409');
  const record = (await bench.state())?.steps['create-psc'];
  assert.equal(record?.tokens.address, undefined, 'no claim left on their address');

  const down = ok(await bench.destroy(['create-psc']), 'create-psc');
  assert.notEqual(down.action, 'deleted');
  assert.ok(
    Object.values(world(bench).globalAddresses).some((a) => a.name === RUNBOOK.pscAddressName),
    'their address is still there',
  );
});
