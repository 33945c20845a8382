import assert from 'node:assert/strict';
import { request } from 'node:http';
import { before, describe, test } from 'node:test';
import { createGcpClients } from '../../src/cloud/gcp.js';
import { SEED } from '../../src/sandbox/aws/seed.js';
import type { AwsRegion } from '../../src/sandbox/aws/world.js';
import type { GcpProject, ManagedZoneRecord } from '../../src/sandbox/gcp/world.js';
import { startSandbox } from '../../src/sandbox/server.js';
import type { World } from '../../src/sandbox/types.js';
import {
  pscStandIn,
  reachPscFromVpc,
  resolveFromVpc,
  startPscHttp,
} from '../../src/sandbox/vpc/index.js';
import { sandboxClients } from '../helpers/aws.js';
import { PROJECT } from '../helpers/gcp.js';
import { buildAwsPath, buildGcpPath, ENDPOINT_HOST, PSC_IP } from './vpc-path.js';

const VANTAGE = { vpcId: SEED.vpcId, region: SEED.region };
const BIGQUERY = 'bigquery.googleapis.com';

/** The world right after the runbook's setup, built once through the SDKs. */
let built: World;

before(async () => {
  const server = await startSandbox();
  const gcp = await createGcpClients({ projectId: PROJECT, endpoint: server.url });
  const aws = await sandboxClients(server);
  try {
    await buildGcpPath(gcp, server.url);
    await buildAwsPath(aws);
    built = structuredClone(server.store.current());
  } finally {
    aws.close();
    await server.close();
  }
});

/** A fresh copy of the built world and handles on the parts the tests change. */
function fresh() {
  const world = structuredClone(built);
  const project = world.gcp.projects[PROJECT] as GcpProject;
  const zone = project.managedZones.restrictedgoogleapis as ManagedZoneRecord;
  const region = world.aws.regions[SEED.region] as AwsRegion;
  const rule = region.resolverRules[0];
  assert.ok(rule);
  return { world, project, zone, region, rule };
}

/** A GET to the loopback stand-in carrying `Host: <host>`, as `http://<host>/` would. */
function get(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const addA = (zone: ManagedZoneRecord, name: string, ip: string) =>
  zone.records.push({ name, type: 'A', ttl: 60, rrdatas: [ip] });

describe('Cloud DNS answering in the private zone', () => {
  test('the built path answers with the wildcard CNAME and the A', () => {
    const { answers, rcode, source } = resolveFromVpc(built, VANTAGE, BIGQUERY, 'A');
    assert.equal(rcode, 'NOERROR');
    assert.equal(source, 'private-zone');
    assert.deepEqual(
      answers.map((a) => [a.name, a.type, a.data]),
      [
        [`${BIGQUERY}.`, 'CNAME', ENDPOINT_HOST],
        [ENDPOINT_HOST, 'A', PSC_IP],
      ],
    );
  });

  test('an explicit name wins over the wildcard, even without the type asked', () => {
    const { world, zone } = fresh();
    addA(zone, 'storage.googleapis.com.', '10.164.128.7');
    zone.records.push({ name: 'pubsub.googleapis.com.', type: 'TXT', ttl: 60, rrdatas: ['x'] });
    const storage = resolveFromVpc(world, VANTAGE, 'Storage.GoogleAPIs.com', 'A');
    assert.deepEqual(
      storage.answers.map((a) => a.data),
      ['10.164.128.7'],
    );
    const pubsub = resolveFromVpc(world, VANTAGE, 'pubsub.googleapis.com', 'A');
    assert.equal(pubsub.rcode, 'NOERROR');
    assert.deepEqual(pubsub.answers, []);
    assert.match(pubsub.reason ?? '', /no A record/);
  });

  test('the wildcard spans labels, but an empty non-terminal stops it', () => {
    const { world, zone } = fresh();
    assert.equal(resolveFromVpc(world, VANTAGE, 'a.b.googleapis.com', 'A').answers.length, 2);
    addA(zone, 'x.eu.googleapis.com.', '10.164.128.9');
    const blocked = resolveFromVpc(world, VANTAGE, 'eu.googleapis.com', 'A');
    assert.equal(blocked.rcode, 'NOERROR');
    assert.deepEqual(blocked.answers, []);
    assert.equal(resolveFromVpc(world, VANTAGE, 'y.eu.googleapis.com', 'A').rcode, 'NXDOMAIN');
  });

  test('a CNAME leaving the private zones is followed through the public DNS', () => {
    const { world, zone } = fresh();
    zone.records.push({
      name: 'out.googleapis.com.',
      type: 'CNAME',
      ttl: 60,
      rrdatas: ['target.example.com.'],
    });
    const out = resolveFromVpc(world, VANTAGE, 'out.googleapis.com', 'A');
    assert.equal(out.rcode, 'NXDOMAIN');
    assert.deepEqual(
      out.answers.map((a) => a.data),
      ['target.example.com.'],
    );
    assert.match(out.path.join('\n'), /no private zone bound to aws-vpn-test-vpc holds target/);
  });

  test('a zone bound to another network is not seen; the public DNS answers', () => {
    const { world, zone } = fresh();
    zone.networks = ['other-vpc'];
    const answer = resolveFromVpc(world, VANTAGE, BIGQUERY, 'A');
    assert.equal(answer.source, 'public');
    assert.match(answer.answers[0]?.data ?? '', /^142\.25[01]\./);
  });
});

describe('the way from the VPC to the forwarder', () => {
  test('a static route to elsewhere beats the propagated one: SERVFAIL', () => {
    const { world, region } = fresh();
    region.routeTables[0]?.routes.push({ destination: '10.146.0.0/24', gatewayId: 'igw-0abc' });
    const answer = resolveFromVpc(world, VANTAGE, BIGQUERY, 'A');
    assert.equal(answer.rcode, 'SERVFAIL');
    assert.match(answer.path.join('\n'), /sends 10\.146\.0\.3 to igw-0abc .*not over the VPN/);
  });

  test('one endpoint subnet without VGW propagation is enough to fail', () => {
    const { world, region } = fresh();
    const main = region.routeTables[0];
    assert.ok(main);
    main.subnetAssociations = main.subnetAssociations.filter((a) => a.subnetId !== SEED.subnetC.id);
    region.routeTables.push({
      id: 'rtb-0c0c0c0c0c0c0c0c0',
      vpcId: SEED.vpcId,
      main: false,
      subnetAssociations: [{ id: 'rtbassoc-0c', subnetId: SEED.subnetC.id }],
      routes: [{ destination: SEED.vpcCidr, gatewayId: 'local' }],
      propagatingVgws: [],
      tags: [],
    });
    const answer = resolveFromVpc(world, VANTAGE, BIGQUERY, 'A');
    assert.equal(answer.rcode, 'SERVFAIL');
    assert.match(
      answer.path.join('\n'),
      /rtb-0c0c0c0c0c0c0c0c0 \(subnet subnet-0b5d2f7c81e4a9036\)/,
    );
  });

  test('inbound forwarding off: nothing answers at the forwarder', () => {
    const { world, project } = fresh();
    for (const policy of Object.values(project.policies)) policy.enableInboundForwarding = false;
    const answer = resolveFromVpc(world, VANTAGE, BIGQUERY, 'A');
    assert.equal(answer.rcode, 'SERVFAIL');
    assert.match(answer.path.join('\n'), /nothing answers at 10\.146\.0\.3/);
  });

  test('a target on another port fails; a later live target still answers', () => {
    const { world, rule, region } = fresh();
    rule.targetIps = [{ Ip: '10.146.0.3', Port: 5353 }];
    const blocked = resolveFromVpc(world, VANTAGE, BIGQUERY, 'A');
    assert.match(blocked.path.join('\n'), /allow no UDP egress to 10\.146\.0\.3:5353/);
    const group = region.securityGroups.find((g) => g.name !== 'default');
    group?.rules.push({
      id: 'sgr-0d0d',
      egress: true,
      protocol: 'udp',
      fromPort: 0,
      toPort: 65535,
      cidrIpv4: '10.146.0.0/24',
    });
    const wrongPort = resolveFromVpc(world, VANTAGE, BIGQUERY, 'A');
    assert.equal(wrongPort.rcode, 'SERVFAIL');
    assert.match(wrongPort.path.join('\n'), /listens on port 53, the rule targets 5353/);
    rule.targetIps = [
      { Ip: '10.146.0.99', Port: 53 },
      { Ip: '10.146.0.3', Port: 53 },
    ];
    const second = resolveFromVpc(world, VANTAGE, BIGQUERY, 'A');
    assert.equal(second.rcode, 'NOERROR');
    assert.match(
      second.path.join('\n'),
      /10\.146\.0\.99:53 unreachable[\s\S]*10\.146\.0\.3:53 reached/,
    );
  });

  test('an endpoint that is not OPERATIONAL takes the rule out: public answer', () => {
    const { world, region } = fresh();
    for (const endpoint of region.resolverEndpoints) endpoint.status = 'DELETING';
    assert.equal(resolveFromVpc(world, VANTAGE, BIGQUERY, 'A').source, 'public');
  });

  test('an unknown VPC is a SERVFAIL that says so', () => {
    const answer = resolveFromVpc(built, { ...VANTAGE, vpcId: 'vpc-0000' }, BIGQUERY, 'A');
    assert.equal(answer.rcode, 'SERVFAIL');
    assert.match(answer.reason ?? '', /vpc-0000 does not exist/);
  });
});

describe('reaching the PSC endpoint', () => {
  test('reached after setup; not once the forwarding rule is gone', () => {
    assert.equal(reachPscFromVpc(built, VANTAGE, PSC_IP).reached, true);
    const { world, project } = fresh();
    project.forwardingRules = {};
    const reach = reachPscFromVpc(world, VANTAGE, PSC_IP);
    assert.equal(reach.reached, false);
    assert.match(reach.reason ?? '', /nothing answers at 10\.164\.128\.1/);
  });

  test('the stand-in: Host or a dedicated port picks the address; 404, 421', async () => {
    const http = await startPscHttp({ world: () => built, vantage: VANTAGE, unreachableMs: 0 });
    try {
      const shared = `http://127.0.0.1:${http.port}`;
      assert.equal(await get(http.port, '/generate_204', PSC_IP), 204);
      assert.equal(await get(http.port, '/nope', PSC_IP), 404);
      await assert.rejects(get(http.port, '/generate_204', '10.164.128.2'), /socket hang up/);
      assert.equal((await fetch(`${shared}/generate_204`)).status, 421);

      const target = await pscStandIn({ pscHttp: http }, PSC_IP);
      assert.equal(target.host, '127.0.0.1');
      assert.notEqual(target.port, http.port);
      assert.equal((await fetch(`http://127.0.0.1:${target.port}/generate_204`)).status, 204);
      assert.equal(await http.portFor(PSC_IP), target.port, 'reused');
      const other = await http.portFor('10.164.128.2');
      await assert.rejects(fetch(`http://127.0.0.1:${other}/generate_204`));
    } finally {
      await http.close();
    }
  });
});
