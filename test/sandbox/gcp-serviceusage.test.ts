import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { serviceusage_v1 } from 'googleapis/build/src/apis/serviceusage/v1.js';
import { toCloudError } from '../../src/cloud/gcp.js';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import {
  eventually,
  type GcpFixture,
  gcpFixture,
  PROJECT,
  rejectsWith,
  setProfile,
} from '../helpers/gcp.js';
import { callsSince } from '../helpers/sandbox.js';

const NUMBER = GCP_SEED.projectNumber;
const map = (api: string) => (error: unknown) => toCloudError(error, api);

let fx: GcpFixture;
let usage: serviceusage_v1.Serviceusage;

before(async () => {
  // Realistic latency, sped up 100 times: an enable takes 200-400 ms.
  fx = await gcpFixture({ latency: 'realistic', speed: 100 });
  usage = await fx.clients.serviceUsage();
});
after(async () => {
  await fx.server.close();
});

async function enabled(): Promise<string[]> {
  const { data } = await usage.services.list({
    parent: `projects/${PROJECT}`,
    filter: 'state:ENABLED',
  });
  return (data.services ?? []).map((service) => service.config?.name ?? '').sort();
}

describe('Service Usage', () => {
  test('only Compute is enabled in the seeded project, by id or number', async () => {
    assert.deepEqual(await enabled(), ['compute.googleapis.com']);
    const { data } = await usage.services.get({
      name: `projects/${NUMBER}/services/dns.googleapis.com`,
    });
    assert.equal(data.state, 'DISABLED');
    assert.equal(data.name, `projects/${NUMBER}/services/dns.googleapis.com`);
  });

  test('enable is a long-running operation: not done, then done and ENABLED', async () => {
    // At real durations (tens of seconds) the API cannot come on while the test checks that
    // it is still off; the test then makes the operation due.
    setProfile(fx.server, { speed: 1 });
    const { data: operation } = await usage.services.enable({
      name: `projects/${PROJECT}/services/bigquery.googleapis.com`,
    });
    setProfile(fx.server, { speed: 100 });
    assert.match(operation.name ?? '', /^operations\//);
    assert.equal(operation.done, false);
    assert.deepEqual(await enabled(), ['compute.googleapis.com']);
    const project = fx.server.store.current().gcp.projects[PROJECT];
    const record = project?.serviceOperations[operation.name ?? ''];
    assert.ok(record, 'the operation is recorded');
    record.doneAt = Date.now();

    const done = await eventually(async () => {
      const { data } = await usage.operations.get({ name: operation.name ?? '' });
      return data.done ? data : undefined;
    });
    const response = done.response as { service?: { state?: string } } | undefined;
    assert.equal(response?.service?.state, 'ENABLED');
    assert.deepEqual(await enabled(), ['bigquery.googleapis.com', 'compute.googleapis.com']);
  });

  test('a just-enabled API refuses calls for a moment, then answers', async () => {
    const dns = await fx.clients.dns();
    const before = dns.managedZones.list({ project: PROJECT });
    await rejectsWith(before, map('dns.managedZones.list'), 'API_NOT_ENABLED');
    const { data } = await usage.services.batchEnable({
      parent: `projects/${NUMBER}`,
      requestBody: { serviceIds: ['servicedirectory.googleapis.com', 'dns.googleapis.com'] },
    });
    await eventually(async () => {
      const { data: op } = await usage.operations.get({ name: data.name ?? '' });
      return op.done ? true : undefined;
    });
    assert.deepEqual(await enabled(), [
      'bigquery.googleapis.com',
      'compute.googleapis.com',
      'dns.googleapis.com',
      'servicedirectory.googleapis.com',
    ]);
    const record = fx.server.store.current().gcp.projects[PROJECT]?.services['dns.googleapis.com'];
    const usableAt = record?.usableAt ?? 0;
    if (Date.now() < usableAt - 20) {
      const early = dns.managedZones.list({ project: PROJECT });
      await rejectsWith(early, map('dns.managedZones.list'), 'API_NOT_ENABLED', /propagate/);
    }
    const zones = await eventually(async () => {
      try {
        return await dns.managedZones.list({ project: PROJECT });
      } catch {
        return undefined;
      }
    });
    assert.equal(zones.status, 200);
    assert.ok(Date.now() >= usableAt);
  });

  test('an unknown service is 403; an unknown operation is 404', async () => {
    const unknown = usage.services.enable({
      name: `projects/${PROJECT}/services/nope.example.com`,
    });
    const denied = await rejectsWith(unknown, map('services.enable'), 'PERMISSION_DENIED');
    assert.match(denied.message, /nope\.example\.com/);
    const missing = usage.operations.get({ name: 'operations/absent' });
    await rejectsWith(missing, map('operations.get'), 'NOT_FOUND');
  });

  test('injected faults: enable is 503, get is 429, both transient; nothing changes', async () => {
    setProfile(fx.server, { faults: 1 });
    try {
      const enable = usage.services.enable({
        name: `projects/${PROJECT}/services/bigqueryreservation.googleapis.com`,
      });
      const unavailable = await rejectsWith(enable, map('services.enable'), 'UNAVAILABLE');
      assert.equal(unavailable.details.status, 503);
      assert.equal(unavailable.details.transient, true);
      const get = usage.services.get({
        name: `projects/${PROJECT}/services/bigqueryreservation.googleapis.com`,
      });
      const limited = await rejectsWith(get, map('services.get'), 'RATE_LIMITED');
      assert.equal(limited.details.status, 429);
      assert.equal(limited.details.transient, true);
    } finally {
      setProfile(fx.server, { faults: 0 });
    }
    const injected = callsSince(fx.server).filter((c) => c.injected);
    assert.ok(injected.some((c) => c.operation === 'serviceusage.services.enable'));
    assert.ok(!(await enabled()).includes('bigqueryreservation.googleapis.com'));
  });

  test('a Service Usage call the emulator does not model is 501 naming it', async () => {
    const name = `projects/${PROJECT}/services/dns.googleapis.com`;
    await assert.rejects(usage.services.disable({ name }), (error: Error) => {
      assert.match(error.message, /does not emulate this serviceusage operation: POST .*:disable/);
      return true;
    });
    const last = callsSince(fx.server).at(-1);
    assert.deepEqual(
      [last?.service, last?.operation, last?.status],
      ['serviceusage', `unknown POST /v1/${name}:disable`, 501],
    );
  });

  test('the call log names the Service Usage operations', () => {
    const calls = callsSince(fx.server).filter((call) => call.service === 'serviceusage');
    const names = new Set(calls.map((call) => `${call.operation}:${call.mutating}`));
    for (const expected of [
      'serviceusage.services.list:false',
      'serviceusage.services.get:false',
      'serviceusage.services.enable:true',
      'serviceusage.services.batchEnable:true',
      'serviceusage.operations.get:false',
    ]) {
      assert.ok(names.has(expected), expected);
    }
  });
});
