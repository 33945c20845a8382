import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CloudServices } from '../../src/cloud/clients.js';
import { liveForwarders } from '../../src/steps/checks/gcp.js';

const NETWORK = 'https://www.googleapis.com/compute/v1/projects/p/global/networks/vpn-net';
const SUBNET = 'https://www.googleapis.com/compute/v1/projects/p/regions/r1/subnetworks/s1';

/**
 * Cloud stubs that log when each read starts and when it answers. Each answer waits for a
 * macrotask, so reads started together all start before the first one answers, and reads
 * made one after another alternate start and end.
 */
function loggingServices(events: string[]): CloudServices {
  const read = async <T>(name: string, answer: T): Promise<T> => {
    events.push(`start ${name}`);
    await new Promise((resolve) => setImmediate(resolve));
    events.push(`end ${name}`);
    return answer;
  };
  const compute = {
    addresses: {
      list: () =>
        read('addresses', [
          [
            { purpose: 'DNS_RESOLVER', address: '10.146.0.3', subnetwork: SUBNET },
            { purpose: 'DNS_RESOLVER', address: '10.9.9.9', subnetwork: `${SUBNET}-other` },
          ],
        ]),
    },
    subnetworks: {
      list: () => read('subnetworks', [[{ network: NETWORK, selfLink: SUBNET }]]),
    },
  };
  const dns = {
    policies: {
      list: () =>
        read('policies', {
          data: {
            policies: [{ enableInboundForwarding: true, networks: [{ networkUrl: NETWORK }] }],
          },
        }),
    },
  };
  const gcp = { projectId: 'p', compute, dns: async () => dns };
  return { gcp: async () => gcp } as unknown as CloudServices;
}

test('liveForwarders reads policy, addresses and subnets at the same time', async () => {
  const events: string[] = [];
  const live = await liveForwarders({
    config: { gcpNetwork: 'vpn-net', gcpRegion: 'r1' },
    state: undefined,
    services: loggingServices(events),
  });
  assert.deepEqual(live, { on: true, ips: ['10.146.0.3'] });
  const lastStart = events.findLastIndex((e) => e.startsWith('start'));
  const firstEnd = events.findIndex((e) => e.startsWith('end'));
  assert.equal(events.length, 6);
  assert.ok(lastStart < firstEnd, `reads ran one after another: ${events.join(', ')}`);
});
