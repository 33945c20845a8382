import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cloudDiscoverer } from '../../src/commands/discover.js';
import type { Discoverer } from '../../src/config/resolve.js';
import type { SandboxServer } from '../../src/sandbox/server.js';
import { withSandbox } from '../helpers/sandbox.js';

describe('prompt choices discovered from the clouds (sandbox)', () => {
  let server: SandboxServer;
  let discover: Discoverer;
  before(async () => {
    server = await withSandbox();
    discover = cloudDiscoverer({ gcp: server.url, aws: server.url });
  });
  after(() => server.close());

  const values = async (...args: Parameters<Discoverer>) =>
    (await discover(...args))?.map((choice) => choice.value);

  test('GCP: the projects the caller can see, through Resource Manager', async () => {
    const projects = await discover('gcpProjects', {});
    assert.deepEqual(
      projects?.map((choice) => choice.value),
      Object.keys(server.store.current().gcp.projects).sort(),
    );
    assert.ok(projects?.some((choice) => choice.value === 'psc-bridge-sandbox'));
    const calls = server.store.current().calls.filter((call) => call.service === 'resourcemanager');
    assert.deepEqual(
      calls.map((call) => [call.operation, call.mutating]),
      [['cloudresourcemanager.projects.list', false]],
    );
  });

  test('GCP: networks, regions holding the network, routers', async () => {
    const project = { gcpProject: 'psc-bridge-sandbox' };
    assert.deepEqual(await values('gcpNetworks', project), ['aws-vpn-test-vpc']);
    const network = { ...project, gcpNetwork: 'aws-vpn-test-vpc' };
    assert.deepEqual(await values('gcpRegions', network), ['asia-northeast1']);
    const region = { ...network, gcpRegion: 'asia-northeast1' };
    assert.deepEqual(await values('gcpRouters', region), ['aws-vpn-test-connect-aws-router']);
  });

  test('AWS: VPCs, then the VPC subnets labelled with CIDR and AZ', async () => {
    const region = { awsRegion: 'ap-northeast-1' };
    assert.deepEqual(await values('awsVpcs', region), ['vpc-028bdb0ee3a9213b4']);
    const subnets = await discover('awsSubnets', { ...region, vpcId: 'vpc-028bdb0ee3a9213b4' });
    assert.deepEqual(
      subnets?.map((s) => s.label.split(' ').slice(0, 3).join(' ')),
      [
        'subnet-03e945e9c28079b4f 10.128.1.0/24 ap-northeast-1a',
        'subnet-0b5d2f7c81e4a9036 10.128.2.0/24 ap-northeast-1c',
      ],
    );
  });

  test('nothing to offer until what a list depends on is known', async () => {
    assert.equal(await discover('gcpRouters', { gcpProject: 'psc-bridge-sandbox' }), undefined);
    assert.equal(await discover('awsSubnets', { awsRegion: 'ap-northeast-1' }), undefined);
  });
});
