import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { dns_v1 } from 'googleapis/build/src/apis/dns/v1.js';
import { toCloudError } from '../../src/cloud/gcp.js';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import {
  enableServices,
  eventually,
  type GcpFixture,
  gcpFixture,
  PROJECT,
  REGION,
  rejectsWith,
  setProfile,
} from '../helpers/gcp.js';
import { callsSince } from '../helpers/sandbox.js';

const RUNBOOK = GCP_SEED.runbook;
const ZONE = RUNBOOK.zoneName;
const POLICY = RUNBOOK.policyName;
const NETWORK_PATH = `projects/${PROJECT}/global/networks/${GCP_SEED.network}`;
const GOOGLE_NETWORK_URL = `https://www.googleapis.com/compute/v1/${NETWORK_PATH}`;
const map = (api: string) => (error: unknown) => toCloudError(error, api);

const CNAME = {
  name: '*.googleapis.com.',
  type: 'CNAME',
  ttl: 300,
  rrdatas: [`${RUNBOOK.endpointName}.googleapis.com.`],
};
const A = {
  name: `${RUNBOOK.endpointName}.googleapis.com.`,
  type: 'A',
  ttl: 300,
  rrdatas: [RUNBOOK.pscAddress],
};

let fx: GcpFixture;
let dns: dns_v1.Dns;

before(async () => {
  fx = await gcpFixture();
  dns = await fx.clients.dns();
});
after(async () => {
  await fx.server.close();
});

async function forwarders() {
  const [addresses] = await fx.clients.compute.addresses.list({
    project: PROJECT,
    region: REGION,
    filter: 'purpose = "DNS_RESOLVER"',
  });
  return addresses;
}

describe('managed zones', () => {
  test('Cloud DNS refuses calls until the API is enabled', async () => {
    const call = dns.managedZones.list({ project: PROJECT });
    await rejectsWith(call, map('dns.managedZones.list'), 'API_NOT_ENABLED', /Cloud DNS API/);
    await enableServices(fx.clients, ['dns.googleapis.com']);
  });

  test('a private zone is created with its SOA and NS, network URL normalised', async () => {
    const { data: zone } = await dns.managedZones.create({
      project: PROJECT,
      requestBody: {
        name: ZONE,
        dnsName: RUNBOOK.zoneDnsName,
        description: '',
        visibility: 'private',
        privateVisibilityConfig: {
          networks: [
            {
              networkUrl: `${fx.server.url}/compute/v1/${NETWORK_PATH}`,
            },
          ],
        },
      },
    });
    assert.equal(zone.kind, 'dns#managedZone');
    assert.deepEqual(
      zone.privateVisibilityConfig?.networks?.map((n) => n.networkUrl),
      [GOOGLE_NETWORK_URL],
    );
    const { data } = await dns.resourceRecordSets.list({ project: PROJECT, managedZone: ZONE });
    assert.deepEqual(data.rrsets?.map((r) => r.type).sort(), ['NS', 'SOA']);
  });

  test('list filters by dnsName; a duplicate is 409; an unknown network is 400', async () => {
    const found = await dns.managedZones.list({ project: PROJECT, dnsName: 'googleapis.com.' });
    assert.deepEqual(
      found.data.managedZones?.map((z) => z.name),
      [ZONE],
    );
    const none = await dns.managedZones.list({ project: PROJECT, dnsName: 'example.com.' });
    assert.deepEqual(none.data.managedZones, []);

    const duplicate = dns.managedZones.create({
      project: PROJECT,
      requestBody: { name: ZONE, dnsName: 'googleapis.com.', description: '' },
    });
    await rejectsWith(duplicate, map('create'), 'ALREADY_EXISTS');
    const badNetwork = dns.managedZones.create({
      project: PROJECT,
      requestBody: {
        name: 'other',
        dnsName: 'example.com.',
        visibility: 'private',
        privateVisibilityConfig: {
          networks: [{ networkUrl: GOOGLE_NETWORK_URL.replace(GCP_SEED.network, 'nope') }],
        },
      },
    });
    await rejectsWith(badNetwork, map('create'), 'INVALID_ARGUMENT', /networkUrl/);
    const missing = dns.managedZones.get({ project: PROJECT, managedZone: 'absent' });
    await rejectsWith(missing, map('get'), 'NOT_FOUND');
  });
});

describe('record changes', () => {
  test('a change is pending, then done; records are listed by name and type', async () => {
    setProfile(fx.server, { latency: 'realistic', speed: 100 });
    try {
      const { data: change } = await dns.changes.create({
        project: PROJECT,
        managedZone: ZONE,
        requestBody: { additions: [CNAME, A] },
      });
      assert.equal(change.status, 'pending');
      const status = await eventually(async () => {
        const { data } = await dns.changes.get({
          project: PROJECT,
          managedZone: ZONE,
          changeId: change.id ?? '',
        });
        return data.status === 'done' ? data.status : undefined;
      });
      assert.equal(status, 'done');
    } finally {
      setProfile(fx.server, { latency: 'instant', speed: 1 });
    }
    const { data } = await dns.resourceRecordSets.list({
      project: PROJECT,
      managedZone: ZONE,
      name: A.name,
      type: 'A',
    });
    assert.deepEqual(
      data.rrsets?.map((r) => [r.name, r.type, r.ttl, r.rrdatas]),
      [[A.name, 'A', 300, [RUNBOOK.pscAddress]]],
    );
  });

  test('adding an existing name and type is 409', async () => {
    const call = dns.changes.create({
      project: PROJECT,
      managedZone: ZONE,
      requestBody: { additions: [A] },
    });
    await rejectsWith(call, map('changes.create'), 'ALREADY_EXISTS', /\(A\)/);
  });

  test('a deletion that does not match exactly is 412 and nothing is applied', async () => {
    const call = dns.changes.create({
      project: PROJECT,
      managedZone: ZONE,
      requestBody: {
        deletions: [CNAME, { ...A, rrdatas: ['10.0.0.9'] }],
      },
    });
    await rejectsWith(call, map('changes.create'), 'PRECONDITION_FAILED', /deletions\[1\]/);
    const { data } = await dns.resourceRecordSets.list({ project: PROJECT, managedZone: ZONE });
    assert.equal(data.rrsets?.length, 4, 'the CNAME deletion was not applied either');
  });

  test('a zone holding records cannot be deleted: 400 containerNotEmpty', async () => {
    const call = dns.managedZones.delete({ project: PROJECT, managedZone: ZONE });
    await rejectsWith(call, map('managedZones.delete'), 'NOT_EMPTY');
  });
});

describe('DNS server policy and inbound forwarders', () => {
  test('inbound forwarding allocates 10.146.0.3 in the subnet after a delay', async () => {
    // Real durations (seconds), so the addresses cannot appear while the test looks for
    // their absence; the test then makes them due, standing in for the wait.
    setProfile(fx.server, { latency: 'realistic', speed: 1 });
    try {
      // (Also builds the Compute clients, which are made on first use, before the clock runs.)
      assert.deepEqual(await forwarders(), [], 'none before the policy');
      const { data: policy } = await dns.policies.create({
        project: PROJECT,
        requestBody: {
          name: POLICY,
          description: '',
          enableInboundForwarding: true,
          networks: [{ networkUrl: GOOGLE_NETWORK_URL }],
        },
      });
      assert.equal(policy.enableInboundForwarding, true);
      assert.deepEqual(await forwarders(), [], 'not there at once');
      const record = fx.server.store.current().gcp.projects[PROJECT]?.policies[POLICY];
      assert.ok(record?.inboundReadyAt, 'the addresses are due later');
      record.inboundReadyAt = Date.now();
      const addresses = await eventually(async () => {
        const found = await forwarders();
        return found.length > 0 ? found : undefined;
      });
      assert.equal(addresses.length, 1);
      const [address] = addresses;
      assert.equal(address?.address, RUNBOOK.expectedForwarderIp);
      assert.equal(address?.purpose, 'DNS_RESOLVER');
      assert.equal(address?.addressType, 'INTERNAL');
      assert.match(address?.name ?? '', /^dns-forwarding/);
      assert.match(
        address?.subnetwork ?? '',
        /\/regions\/asia-northeast1\/subnetworks\/aws-vpn-test-subnet$/,
      );
    } finally {
      setProfile(fx.server, { latency: 'instant', speed: 1 });
    }
  });

  test('forwarder addresses cannot be deleted through Compute', async () => {
    const [address] = await forwarders();
    const call = fx.clients.compute.addresses.delete({
      project: PROJECT,
      region: REGION,
      address: address?.name ?? '',
    });
    await rejectsWith(call, map('addresses.delete'), 'RESOURCE_IN_USE', /Cloud DNS/);
    const scopes: string[] = [];
    for await (const [scope, list] of fx.clients.compute.addresses.aggregatedListAsync({
      project: PROJECT,
      filter: 'purpose = "DNS_RESOLVER"',
    })) {
      if ((list.addresses ?? []).length > 0) scopes.push(scope);
    }
    assert.deepEqual(scopes, [`regions/${REGION}`]);
  });

  test('a network can be bound to one policy only', async () => {
    const call = dns.policies.create({
      project: PROJECT,
      requestBody: { name: 'second', networks: [{ networkUrl: GOOGLE_NETWORK_URL }] },
    });
    await rejectsWith(call, map('policies.create'), 'INVALID_ARGUMENT', /at most one policy/);
    const { data } = await dns.policies.list({ project: PROJECT });
    assert.deepEqual(
      data.policies?.map((p) => p.name),
      [POLICY],
    );
  });

  test('inbound forwarding off releases the addresses; on again brings them back', async () => {
    const off = await dns.policies.patch({
      project: PROJECT,
      policy: POLICY,
      requestBody: { enableInboundForwarding: false },
    });
    assert.equal(off.data.policy?.enableInboundForwarding, false);
    assert.deepEqual(await forwarders(), []);
    await dns.policies.patch({
      project: PROJECT,
      policy: POLICY,
      requestBody: { enableInboundForwarding: true },
    });
    assert.equal((await forwarders())[0]?.address, RUNBOOK.expectedForwarderIp);
  });

  test('a bound policy cannot be deleted; unbound, it goes and its addresses with it', async () => {
    const bound = dns.policies.delete({ project: PROJECT, policy: POLICY });
    await rejectsWith(bound, map('policies.delete'), 'INVALID_ARGUMENT', /still bound/);
    await dns.policies.patch({ project: PROJECT, policy: POLICY, requestBody: { networks: [] } });
    await dns.policies.delete({ project: PROJECT, policy: POLICY });
    assert.deepEqual(await forwarders(), []);
    const gone = dns.policies.get({ project: PROJECT, policy: POLICY });
    await rejectsWith(gone, map('policies.get'), 'NOT_FOUND');
  });
});

describe('teardown of the zone', () => {
  test('records deleted exactly, then the zone deletes', async () => {
    await dns.changes.create({
      project: PROJECT,
      managedZone: ZONE,
      requestBody: { deletions: [CNAME, A] },
    });
    await dns.managedZones.delete({ project: PROJECT, managedZone: ZONE });
    const { data } = await dns.managedZones.list({ project: PROJECT });
    assert.deepEqual(data.managedZones, []);
    const calls = callsSince(fx.server).filter((c) => c.service === 'dns');
    const deletion = calls.find(
      (c) => c.operation === 'dns.managedZones.delete' && c.status === 204,
    );
    assert.equal(deletion?.mutating, true);
  });
});

describe('faults and operations the emulator does not model', () => {
  test('injected faults: a write is 503, a read 429, both transient; nothing changes', async () => {
    setProfile(fx.server, { faults: 1 });
    try {
      const create = dns.managedZones.create({
        project: PROJECT,
        requestBody: { name: 'faulty', dnsName: 'example.com.', description: '' },
      });
      const unavailable = await rejectsWith(create, map('managedZones.create'), 'UNAVAILABLE');
      assert.equal(unavailable.details.status, 503);
      assert.equal(unavailable.details.transient, true);
      const list = dns.policies.list({ project: PROJECT });
      const limited = await rejectsWith(list, map('policies.list'), 'RATE_LIMITED');
      assert.equal(limited.details.status, 429);
      assert.equal(limited.details.transient, true);
    } finally {
      setProfile(fx.server, { faults: 0 });
    }
    const faulted = callsSince(fx.server).filter((c) => c.service === 'dns' && c.injected);
    assert.ok(faulted.some((c) => c.operation === 'dns.managedZones.create' && c.status === 503));
    const { data } = await dns.managedZones.list({ project: PROJECT });
    assert.deepEqual(data.managedZones, [], 'a faulted create makes no zone');
  });

  test('a Cloud DNS call the emulator does not model is 501 naming it, and logged', async () => {
    const path = `/dns/v1/projects/${PROJECT}/responsePolicies`;
    await assert.rejects(dns.responsePolicies.list({ project: PROJECT }), (error: Error) => {
      assert.match(error.message, /does not emulate this dns operation: GET .*responsePolicies/);
      return true;
    });
    const last = callsSince(fx.server).at(-1);
    assert.deepEqual(
      [last?.service, last?.operation, last?.status],
      ['dns', `unknown GET ${path}`, 501],
    );
  });
});
