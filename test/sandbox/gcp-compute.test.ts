import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operationRef, toCloudError, waitForComputeOperation } from '../../src/cloud/gcp.js';
import { advertisedRanges } from '../../src/sandbox/gcp/advertised.js';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import {
  enableServices,
  type GcpFixture,
  gcpFixture,
  PROJECT,
  REGION,
  rejectsWith,
  setProfile,
  settle,
} from '../helpers/gcp.js';
import { callsSince } from '../helpers/sandbox.js';

const RUNBOOK = GCP_SEED.runbook;
const ROUTER = GCP_SEED.router;
const map = (api: string) => (error: unknown) => toCloudError(error, api);

let fx: GcpFixture;
let networkLink = '';

before(async () => {
  fx = await gcpFixture();
  networkLink = `${computeBase()}/global/networks/${GCP_SEED.network}`;
});
after(async () => {
  await fx.server.close();
});

function computeBase(): string {
  return `${fx.server.url}/compute/v1/projects/${PROJECT}`;
}

function pscAddress(name: string, address: string) {
  return {
    project: PROJECT,
    addressResource: {
      name,
      address,
      addressType: 'INTERNAL',
      purpose: 'PRIVATE_SERVICE_CONNECT',
      network: networkLink,
    },
  };
}

function endpoint(name: string, address: string, extra: Record<string, unknown> = {}) {
  return {
    project: PROJECT,
    forwardingRuleResource: {
      name,
      IPAddress: address,
      network: networkLink,
      target: 'all-apis',
      serviceDirectoryRegistrations: [{ serviceDirectoryRegion: REGION }],
      ...extra,
    },
  };
}

describe('networks and subnetworks', () => {
  test('the seeded VPC and subnet are served with emulator self-links', async () => {
    const [network] = await fx.clients.compute.networks.get({
      project: PROJECT,
      network: GCP_SEED.network,
    });
    assert.equal(network.selfLink, networkLink);
    assert.equal(network.autoCreateSubnetworks, false);
    const [subnets] = await fx.clients.compute.subnetworks.list({
      project: PROJECT,
      region: REGION,
    });
    assert.deepEqual(
      subnets.map((s) => [s.name, s.ipCidrRange, s.gatewayAddress]),
      [[GCP_SEED.subnet, GCP_SEED.subnetCidr, '10.146.0.1']],
    );
    const scopes: string[] = [];
    for await (const [scope, list] of fx.clients.compute.subnetworks.aggregatedListAsync({
      project: PROJECT,
    })) {
      if ((list.subnetworks ?? []).length > 0) scopes.push(scope);
    }
    assert.deepEqual(scopes, [`regions/${REGION}`]);
    const [networks] = await fx.clients.compute.networks.list({ project: PROJECT });
    assert.deepEqual(
      networks.map((n) => n.name),
      [GCP_SEED.network],
    );
  });

  test('a missing network is 404 notFound', async () => {
    const call = fx.clients.compute.networks.get({ project: PROJECT, network: 'nope' });
    await rejectsWith(call, map('compute.networks.get'), 'NOT_FOUND', /global\/networks\/nope/);
  });
});

describe('PSC address and endpoint', () => {
  test('an endpoint needs the Service Directory API enabled first', async () => {
    const call = fx.clients.compute.globalForwardingRules.insert(endpoint('early', '10.1.1.1'));
    await rejectsWith(call, map('insert'), 'API_NOT_ENABLED', /Service Directory API/);
    await enableServices(fx.clients, ['servicedirectory.googleapis.com', 'dns.googleapis.com']);
  });

  test('insert gives an operation; a requestId replay gives it again, no second one', async () => {
    const request = { ...pscAddress(RUNBOOK.pscAddressName, RUNBOOK.pscAddress) };
    const requestId = '3f1c2a52-8f0b-4c7e-9a51-0d2b7c9e1a11';
    const first = await fx.clients.compute.globalAddresses.insert({ ...request, requestId });
    const second = await fx.clients.compute.globalAddresses.insert({ ...request, requestId });
    assert.equal(operationRef(first).name, operationRef(second).name);
    assert.match(operationRef(first).name, /^operation-\d+-[0-9a-f]+/);
    const done = await settle(fx.clients, first);
    assert.equal(done.status, 'DONE');
    assert.equal(
      done.targetLink,
      `${fx.server.url}/compute/v1/projects/${PROJECT}/global/addresses/${RUNBOOK.pscAddressName}`,
    );

    const [list] = await fx.clients.compute.globalAddresses.list({ project: PROJECT });
    assert.equal(list.length, 1);
    assert.equal(list[0]?.status, 'RESERVED');
    assert.equal(list[0]?.address, RUNBOOK.pscAddress);
    assert.equal(list[0]?.network, networkLink);
  });

  test('the same name again is 409 alreadyExists', async () => {
    const call = fx.clients.compute.globalAddresses.insert(
      pscAddress(RUNBOOK.pscAddressName, '10.164.128.9'),
    );
    await rejectsWith(call, map('insert'), 'ALREADY_EXISTS', /already exists/);
  });

  test('a PSC address inside a subnet range is 400', async () => {
    const call = fx.clients.compute.globalAddresses.insert(pscAddress('inside', '10.146.0.50'));
    await rejectsWith(call, map('insert'), 'INVALID_ARGUMENT', /aws-vpn-test-subnet/);
  });

  test('endpoint names are 1-20 lowercase letters and digits, no hyphens', async () => {
    for (const name of ['aws-psc', 'a123456789012345678901', '1abc']) {
      const call = fx.clients.compute.globalForwardingRules.insert(
        endpoint(name, RUNBOOK.pscAddress),
      );
      await rejectsWith(call, map('insert'), 'INVALID_ARGUMENT', /resource\.name/);
    }
  });

  test('labels on an all-apis rule are rejected', async () => {
    const call = fx.clients.compute.globalForwardingRules.insert(
      endpoint('labelled', RUNBOOK.pscAddress, { labels: { 'managed-by': 'psc-bridge' } }),
    );
    await rejectsWith(call, map('insert'), 'INVALID_ARGUMENT', /should not be set/);
  });

  const ruleRequestId = '7d0e4b1a-2c3f-4e5d-8a9b-1c2d3e4f5a6b';
  let ruleOperation = '';

  test('the endpoint is created and the address becomes IN_USE', async () => {
    const addressLink = `${computeBase()}/global/addresses/${RUNBOOK.pscAddressName}`;
    const result = await fx.clients.compute.globalForwardingRules.insert({
      ...endpoint(RUNBOOK.endpointName, addressLink),
      requestId: ruleRequestId,
    });
    ruleOperation = operationRef(result).name;
    await settle(fx.clients, result);
    const [rule] = await fx.clients.compute.globalForwardingRules.get({
      project: PROJECT,
      forwardingRule: RUNBOOK.endpointName,
    });
    assert.equal(rule.IPAddress, RUNBOOK.pscAddress);
    assert.equal(rule.target, 'all-apis');
    assert.equal(rule.serviceDirectoryRegistrations?.[0]?.serviceDirectoryRegion, REGION);
    const [address] = await fx.clients.compute.globalAddresses.get({
      project: PROJECT,
      address: RUNBOOK.pscAddressName,
    });
    assert.equal(address.status, 'IN_USE');
    assert.deepEqual(address.users, [rule.selfLink]);
  });

  test('a forwarding rule insert replayed with its requestId is a no-op', async () => {
    const project = () => fx.server.store.current().gcp.projects[PROJECT];
    const operations = Object.keys(project()?.operations ?? {}).length;
    const addressLink = `${computeBase()}/global/addresses/${RUNBOOK.pscAddressName}`;
    const again = await fx.clients.compute.globalForwardingRules.insert({
      ...endpoint(RUNBOOK.endpointName, addressLink),
      requestId: ruleRequestId,
    });
    assert.equal(operationRef(again).name, ruleOperation, 'the same operation back');
    assert.equal(Object.keys(project()?.operations ?? {}).length, operations, 'no new operation');
    assert.deepEqual(Object.keys(project()?.forwardingRules ?? {}), [RUNBOOK.endpointName]);
  });

  test('globalForwardingRules.list serves the endpoint, and honours a filter', async () => {
    const [rules] = await fx.clients.compute.globalForwardingRules.list({ project: PROJECT });
    assert.deepEqual(
      rules.map((r) => [r.name, r.IPAddress, r.target, r.network]),
      [[RUNBOOK.endpointName, RUNBOOK.pscAddress, 'all-apis', networkLink]],
    );
    const [named] = await fx.clients.compute.globalForwardingRules.list({
      project: PROJECT,
      filter: `name = ${RUNBOOK.endpointName}`,
    });
    assert.deepEqual(
      named.map((r) => r.name),
      [RUNBOOK.endpointName],
    );
    const [none] = await fx.clients.compute.globalForwardingRules.list({
      project: PROJECT,
      filter: 'name = someotherrule',
    });
    assert.deepEqual(none, []);
  });

  test('deleting an address the endpoint uses is 400 resourceInUseByAnotherResource', async () => {
    const call = fx.clients.compute.globalAddresses.delete({
      project: PROJECT,
      address: RUNBOOK.pscAddressName,
    });
    await rejectsWith(call, map('delete'), 'RESOURCE_IN_USE', /awsconnpscep/);
  });

  test('a missing rule is 404; delete rule then address', async () => {
    const missing = fx.clients.compute.globalForwardingRules.get({
      project: PROJECT,
      forwardingRule: 'absent',
    });
    await rejectsWith(missing, map('get'), 'NOT_FOUND');
    await settle(
      fx.clients,
      await fx.clients.compute.globalForwardingRules.delete({
        project: PROJECT,
        forwardingRule: RUNBOOK.endpointName,
      }),
    );
    await settle(
      fx.clients,
      await fx.clients.compute.globalAddresses.delete({
        project: PROJECT,
        address: RUNBOOK.pscAddressName,
      }),
    );
    const [left] = await fx.clients.compute.globalAddresses.list({ project: PROJECT });
    assert.equal(left.length, 0);
  });
});

describe('Cloud Router advertisements', () => {
  const router = { project: PROJECT, region: REGION, router: ROUTER };

  test('the seeded router advertises its region subnets (DEFAULT)', async () => {
    const [seeded] = await fx.clients.compute.routers.get(router);
    assert.equal(seeded.bgp?.advertiseMode, 'DEFAULT');
    assert.equal(seeded.bgp?.asn, GCP_SEED.routerAsn);
    assert.deepEqual(
      seeded.bgpPeers?.map((peer) => peer.name),
      ['aws-peer-1', 'aws-peer-2'],
    );
    const [routers] = await fx.clients.compute.routers.list({ project: PROJECT, region: REGION });
    assert.equal(routers.length, 1);
    assert.deepEqual(advertisedRanges(fx.server.store.current().gcp), [GCP_SEED.subnetCidr]);
  });

  test('CUSTOM with ALL_SUBNETS plus the PSC /32, then back to DEFAULT', async () => {
    const patched = await fx.clients.compute.routers.patch({
      ...router,
      routerResource: {
        bgp: {
          advertiseMode: 'CUSTOM',
          advertisedGroups: ['ALL_SUBNETS'],
          advertisedIpRanges: [{ range: `${RUNBOOK.pscAddress}/32` }],
        },
      },
    });
    assert.equal(operationRef(patched).region, REGION);
    await settle(fx.clients, patched);
    const ranges = advertisedRanges(fx.server.store.current().gcp);
    assert.deepEqual(ranges, [GCP_SEED.subnetCidr, `${RUNBOOK.pscAddress}/32`].sort());

    const reset = await fx.clients.compute.routers.patch({
      ...router,
      routerResource: { bgp: { advertiseMode: 'DEFAULT' } },
    });
    await settle(fx.clients, reset);
    const [after] = await fx.clients.compute.routers.get(router);
    assert.equal(after.bgp?.advertiseMode, 'DEFAULT');
    assert.deepEqual(after.bgp?.advertisedIpRanges ?? [], []);
  });

  test('a router patch replayed with its requestId returns the same operation, once', async () => {
    const project = () => fx.server.store.current().gcp.projects[PROJECT];
    const requestId = '0b6f1d2e-3a4c-4b5d-9e8f-7a6b5c4d3e2f';
    const patch = () =>
      fx.clients.compute.routers.patch({
        ...router,
        requestId,
        routerResource: {
          bgp: {
            advertiseMode: 'CUSTOM',
            advertisedGroups: ['ALL_SUBNETS'],
            advertisedIpRanges: [{ range: `${RUNBOOK.pscAddress}/32` }],
          },
        },
      });
    const before = Object.keys(project()?.operations ?? {}).length;
    const first = await patch();
    await settle(fx.clients, first);
    const second = await patch();
    assert.equal(operationRef(second).name, operationRef(first).name);
    assert.equal(Object.keys(project()?.operations ?? {}).length, before + 1, 'one operation');
    assert.deepEqual(advertisedRanges(fx.server.store.current().gcp), [
      GCP_SEED.subnetCidr,
      `${RUNBOOK.pscAddress}/32`,
    ]);
    await settle(
      fx.clients,
      await fx.clients.compute.routers.patch({
        ...router,
        routerResource: { bgp: { advertiseMode: 'DEFAULT' } },
      }),
    );
  });

  test('DEFAULT mode with custom ranges, and a bad range, are 400', async () => {
    const withRanges = fx.clients.compute.routers.patch({
      ...router,
      routerResource: {
        bgp: { advertiseMode: 'DEFAULT', advertisedIpRanges: [{ range: '1.2.3.4/32' }] },
      },
    });
    await rejectsWith(withRanges, map('patch'), 'INVALID_ARGUMENT', /CUSTOM/);
    const badRange = fx.clients.compute.routers.patch({
      ...router,
      routerResource: {
        bgp: { advertiseMode: 'CUSTOM', advertisedIpRanges: [{ range: '1.2.3/40' }] },
      },
    });
    await rejectsWith(badRange, map('patch'), 'INVALID_ARGUMENT', /advertisedIpRanges/);
  });
});

describe('asynchronous operations (realistic latency, speed 100)', () => {
  before(() => setProfile(fx.server, { latency: 'realistic', speed: 100 }));
  after(() => setProfile(fx.server, { latency: 'instant', speed: 1 }));

  test('insert is PENDING, wait blocks until DONE, address RESERVING → RESERVED', async () => {
    // Slow enough that nothing finishes while the states are looked at; then the test sets
    // the end a moment ahead and the wait must block until it.
    setProfile(fx.server, { speed: 0.001 });
    const result = await fx.clients.compute.globalAddresses.insert(
      pscAddress('slow', '10.164.129.1'),
    );
    setProfile(fx.server, { speed: 100 });
    const ref = operationRef(result);
    const [pending] = await fx.clients.compute.globalOperations.get({
      project: PROJECT,
      operation: ref.name,
    });
    assert.notEqual(pending.status, 'DONE');
    const [reserving] = await fx.clients.compute.globalAddresses.get({
      project: PROJECT,
      address: 'slow',
    });
    assert.equal(reserving.status, 'RESERVING');

    const busy = fx.clients.compute.globalAddresses.delete({ project: PROJECT, address: 'slow' });
    const notReady = await rejectsWith(busy, map('delete'), 'NOT_READY');
    assert.equal(notReady.details.transient, true);

    const record = fx.server.store.current().gcp.projects[PROJECT]?.operations[ref.name];
    assert.ok(record);
    record.startAt = Date.now();
    record.doneAt = record.startAt + 50;
    const from = callsSince(fx.server).length;
    const done = await waitForComputeOperation(fx.clients, ref);
    assert.equal(done.status, 'DONE');
    const waits = callsSince(fx.server, from).filter(
      (c) => c.operation === 'compute.globalOperations.wait',
    );
    assert.ok(waits.length >= 1 && waits.length <= 2, `one blocking wait, saw ${waits.length}`);
    const [reserved] = await fx.clients.compute.globalAddresses.get({
      project: PROJECT,
      address: 'slow',
    });
    assert.equal(reserved.status, 'RESERVED');
  });

  test('regionOperations.get follows a router patch from PENDING to DONE', async () => {
    // So slow that it cannot finish by itself during the test: the test finishes it.
    setProfile(fx.server, { speed: 0.001 });
    const router = { project: PROJECT, region: REGION, router: ROUTER };
    const result = await fx.clients.compute.routers.patch({
      ...router,
      routerResource: {
        bgp: { advertiseMode: 'CUSTOM', advertisedIpRanges: [{ range: '10.164.131.1/32' }] },
      },
    });
    setProfile(fx.server, { speed: 100 });
    const ref = operationRef(result);
    const get = () =>
      fx.clients.compute.regionOperations.get({
        project: PROJECT,
        region: REGION,
        operation: ref.name,
      });
    const [pending] = await get();
    assert.equal(pending.status, 'PENDING');
    assert.equal(pending.operationType, 'patch');
    assert.equal(pending.region, `${computeBase()}/regions/${REGION}`);
    assert.equal(pending.targetLink, `${computeBase()}/regions/${REGION}/routers/${ROUTER}`);
    const [unchanged] = await fx.clients.compute.routers.get(router);
    assert.equal(unchanged.bgp?.advertiseMode, 'DEFAULT', 'nothing changes before DONE');
    const asGlobal = fx.clients.compute.globalOperations.get({
      project: PROJECT,
      operation: ref.name,
    });
    await rejectsWith(asGlobal, map('get'), 'NOT_FOUND');

    const record = fx.server.store.current().gcp.projects[PROJECT]?.operations[ref.name];
    assert.ok(record);
    record.startAt = record.doneAt = Date.now();
    const [done] = await get();
    assert.equal(done.status, 'DONE');
    assert.equal(done.progress, 100);
    assert.ok(done.endTime, 'a finished operation has an end time');
    const [patched] = await fx.clients.compute.routers.get(router);
    assert.equal(patched.bgp?.advertiseMode, 'CUSTOM');
    await settle(
      fx.clients,
      await fx.clients.compute.routers.patch({
        ...router,
        routerResource: { bgp: { advertiseMode: 'DEFAULT' } },
      }),
    );
  });

  test('an operation that ends in error makes waitForComputeOperation throw', async () => {
    const result = await fx.clients.compute.globalAddresses.delete({
      project: PROJECT,
      address: 'slow',
    });
    const ref = operationRef(result);
    const record = fx.server.store.current().gcp.projects[PROJECT]?.operations[ref.name];
    assert.ok(record);
    record.failWith = { code: 'RESOURCE_NOT_READY', message: 'The resource is not ready' };
    await assert.rejects(waitForComputeOperation(fx.clients, ref, { api: 'delete' }), (error) => {
      const cloud = toCloudError(error, 'delete');
      return cloud.code === 'NOT_READY' && cloud.details.transient === true;
    });
  });
});

describe('call log, unknown operations and faults', () => {
  test('each call is logged with service, operation and mutating', () => {
    const calls = callsSince(fx.server);
    const insert = calls.find((c) => c.operation === 'compute.globalAddresses.insert');
    assert.deepEqual(
      { service: insert?.service, mutating: insert?.mutating, status: insert?.status },
      { service: 'compute', mutating: true, status: 200 },
    );
    const wait = calls.find((c) => c.operation === 'compute.globalOperations.wait');
    assert.equal(wait?.mutating, false);
    const conflict = calls.find((c) => c.status === 409);
    assert.equal(conflict?.error, 'alreadyExists');
  });

  test('an operation the emulator does not model is answered 501 naming it', async () => {
    const path = `/compute/v1/projects/${PROJECT}/zones/asia-northeast1-a/instances`;
    const response = await fetch(`${fx.server.url}${path}`);
    assert.equal(response.status, 501);
    const body = (await response.json()) as { error: { message: string } };
    assert.match(body.error.message, /instances/);
    const last = callsSince(fx.server).at(-1);
    assert.equal(last?.operation, `unknown GET ${path}`);
  });

  test('a request no emulated API claims is a 404 naming it, and is logged', async () => {
    const from = callsSince(fx.server).length;
    const storage = await fetch(`${fx.server.url}/storage/v1/b?project=${PROJECT}`);
    assert.equal(storage.status, 404);
    const body = (await storage.json()) as { error: { message: string } };
    assert.match(body.error.message, /does not emulate GET \/storage\/v1\/b$/);
    const ssm = await fetch(fx.server.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSSM.GetParameter' },
      body: '{}',
    });
    assert.equal(ssm.status, 404);
    assert.deepEqual(
      callsSince(fx.server, from).map((c) => [c.service, c.operation, c.status, c.mutating]),
      [
        ['unknown', 'unknown GET /storage/v1/b', 404, false],
        ['unknown', 'unknown AmazonSSM.GetParameter', 404, false],
      ],
    );
  });

  test('injected faults reach the SDK as transient errors', async () => {
    setProfile(fx.server, { faults: 1 });
    try {
      const insert = fx.clients.compute.globalAddresses.insert(
        pscAddress('faulty', '10.164.130.1'),
      );
      const unavailable = await rejectsWith(insert, map('insert'), 'UNAVAILABLE');
      assert.equal(unavailable.details.status, 503);
      assert.equal(unavailable.details.transient, true);
      // A router patch fails either way: 400 resourceNotReady or 503, both transient.
      const seen = new Set<string>();
      for (let i = 0; i < 64 && seen.size < 2; i++) {
        const patch = fx.clients.compute.routers.patch({
          project: PROJECT,
          region: REGION,
          router: ROUTER,
          routerResource: { bgp: { advertiseMode: 'DEFAULT' } },
        });
        const failed = await patch.then(
          () => assert.fail('a router patch succeeded with faults at 1'),
          (error: unknown) => toCloudError(error, 'patch'),
        );
        assert.equal(failed.details.transient, true, failed.message);
        seen.add(`${failed.details.status} ${failed.code}`);
      }
      assert.deepEqual([...seen].sort(), ['400 NOT_READY', '503 UNAVAILABLE']);
      const list = fx.clients.compute.globalAddresses.list({ project: PROJECT });
      const limited = await rejectsWith(list, map('list'), 'RATE_LIMITED');
      assert.equal(limited.details.transient, true);
    } finally {
      setProfile(fx.server, { faults: 0 });
    }
    const injected = callsSince(fx.server).filter((c) => c.injected);
    assert.ok(injected.length >= 3);
    const [addresses] = await fx.clients.compute.globalAddresses.list({ project: PROJECT });
    assert.ok(!addresses.some((a) => a.name === 'faulty'), 'a faulted insert changes nothing');
  });
});
