import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  AuthorizeSecurityGroupEgressCommand,
  RevokeSecurityGroupEgressCommand,
} from '@aws-sdk/client-ec2';
import {
  DeleteResolverRuleCommand,
  DisassociateResolverRuleCommand,
} from '@aws-sdk/client-route53resolver';
import * as dnsPacket from 'dns-packet';
import { createGcpClients, type GcpClients } from '../../src/cloud/gcp.js';
import { cidrContains } from '../../src/sandbox/aws/ip.js';
import { SEED } from '../../src/sandbox/aws/seed.js';
import type { SandboxServer } from '../../src/sandbox/server.js';
import { startSandbox } from '../../src/sandbox/server.js';
import {
  pscStandIn,
  reachPscFromVpc,
  resolveFromVpc,
  vpcResolverAddress,
} from '../../src/sandbox/vpc/index.js';
import { type AwsClients, sandboxClients } from '../helpers/aws.js';
import { PROJECT } from '../helpers/gcp.js';
import {
  advertise,
  type BuiltPath,
  buildAwsPath,
  buildGcpPath,
  dnsEgress,
  ENDPOINT_HOST,
  forwardRule,
  PSC_IP,
  RECORDS,
} from './vpc-path.js';

const VANTAGE = { vpcId: SEED.vpcId, region: SEED.region };
const BIGQUERY = 'bigquery.googleapis.com';
const STORAGE = 'storage.googleapis.com';
const ZONE = 'restrictedgoogleapis';
const HANG_MS = 300;

let server: SandboxServer;
let gcp: GcpClients;
let aws: AwsClients;
let resolver: Resolver;
let built: BuiltPath;

before(async () => {
  server = await startSandbox({ vpcDns: { servfailDelayMs: 50, unreachableMs: HANG_MS } });
  gcp = await createGcpClients({ projectId: PROJECT, endpoint: server.url });
  aws = await sandboxClients(server);
  resolver = new Resolver({ timeout: 2_000, tries: 1 });
  resolver.setServers([vpcResolverAddress(server)]);
});
after(async () => {
  aws.close();
  await server.close();
});

/** The DNS error code a lookup fails with (ENOTFOUND, ENODATA, ESERVFAIL...). */
async function dnsError(lookup: Promise<unknown>): Promise<string> {
  try {
    await lookup;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'no code';
  }
  assert.fail('the lookup was expected to fail');
}

/** `GET http://<PSC_IP>/generate_204`, dialled at its loopback stand-in with `fetch`. */
async function generate204(timeoutMs = 2_000): Promise<number> {
  const target = await pscStandIn(server, PSC_IP);
  const url = `http://${target.host}:${target.port}/generate_204`;
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return res.status;
}

function resolve(name: string, type: 'A' | 'CNAME' = 'A') {
  return resolveFromVpc(server.store.current(), VANTAGE, name, type);
}

async function expectPrivate(name: string): Promise<void> {
  assert.deepEqual(await resolver.resolveCname(name), [ENDPOINT_HOST.slice(0, -1)]);
  assert.deepEqual(await resolver.resolve4(name), [PSC_IP]);
}

async function expectPublic(name: string): Promise<void> {
  const addresses = await resolver.resolve4(name);
  assert.equal(addresses.length, 1);
  assert.ok(cidrContains('142.250.0.0/15', addresses[0] ?? ''), String(addresses));
  assert.equal(await dnsError(resolver.resolveCname(name)), 'ENODATA');
}

describe('before the private path exists', () => {
  test('Google APIs get the public answer; unknown names do not exist', async () => {
    await expectPublic(BIGQUERY);
    assert.equal(await dnsError(resolver.resolve4('nothing-here.example')), 'ENOTFOUND');
    assert.equal(resolve(BIGQUERY).source, 'public');
    assert.match(resolve(BIGQUERY).path.join('\n'), /no FORWARD rule/);
  });

  test('the PSC address is not reachable: the request fails, bounded', async () => {
    const started = Date.now();
    await assert.rejects(generate204());
    assert.ok(Date.now() - started < 1_500);
    assert.match(reachPscFromVpc(server.store.current(), VANTAGE, PSC_IP).reason ?? '', /no route/);
  });
});

describe('with the private path built through the SDKs', () => {
  before(async () => {
    await buildGcpPath(gcp, server.url);
    built = await buildAwsPath(aws);
  });

  test('bigquery and storage resolve to the CNAME and the PSC address', async () => {
    await expectPrivate(BIGQUERY);
    await expectPrivate(STORAGE);
    const { path, source } = resolve(BIGQUERY);
    assert.equal(source, 'private-zone');
    assert.match(
      path.join('\n'),
      new RegExp(`${built.ruleId}[\\s\\S]*10\\.146\\.0\\.3:53 reached`),
    );
    assert.match(path.join('\n'), /wildcard \*\.googleapis\.com\./);
  });

  test('over UDP and TCP the answer holds the CNAME chain, then the A', async () => {
    const chain = [
      ['CNAME', BIGQUERY, ENDPOINT_HOST.slice(0, -1)],
      ['A', ENDPOINT_HOST.slice(0, -1), PSC_IP],
    ];
    for (const transport of ['udp', 'tcp'] as const) {
      const reply = await rawQuery(transport, BIGQUERY, 'A');
      assert.equal(reply.rcode, 'NOERROR', transport);
      assert.equal(reply.flag_ra, true);
      assert.deepEqual(reply.answers?.map(summary), chain, transport);
    }
  });

  test('AAAA gets the chain and no address; other types are not implemented', async () => {
    const reply = await rawQuery('udp', BIGQUERY, 'AAAA');
    assert.equal(reply.rcode, 'NOERROR');
    assert.deepEqual(
      reply.answers?.map((answer) => answer.type),
      ['CNAME'],
    );
    assert.deepEqual(await resolver.resolve6(BIGQUERY), []);
    assert.equal(await dnsError(resolver.resolveMx(BIGQUERY)), 'ENOTIMP');
  });

  test('GET /generate_204 at the stand-in answers 204', async () => {
    assert.equal(await generate204(), 204);
  });

  test('the /32 withdrawn: /generate_204 fails while DNS still answers', async () => {
    await advertise(gcp, []);
    try {
      await assert.rejects(generate204(), /fetch failed/);
      const reach = reachPscFromVpc(server.store.current(), VANTAGE, PSC_IP);
      assert.equal(reach.reached, false);
      assert.match(reach.reason ?? '', /no route to 10\.164\.128\.1/);
      await expectPrivate(BIGQUERY);
    } finally {
      await advertise(gcp, [`${PSC_IP}/32`]);
    }
    assert.equal(await generate204(), 204);
  });

  test('UDP 53 egress revoked: SERVFAIL, the reason naming the group', async () => {
    const permissions = { GroupId: built.groupId, IpPermissions: [dnsEgress('udp')] };
    await aws.ec2.send(new RevokeSecurityGroupEgressCommand(permissions));
    try {
      assert.equal(await dnsError(resolver.resolve4(BIGQUERY)), 'ESERVFAIL');
      const { rcode, path } = resolve(BIGQUERY);
      assert.equal(rcode, 'SERVFAIL');
      assert.match(path.join('\n'), new RegExp(`\\(${built.groupId}\\) allow no UDP egress`));
    } finally {
      await aws.ec2.send(new AuthorizeSecurityGroupEgressCommand(permissions));
    }
    await expectPrivate(BIGQUERY);
  });

  test('a rule targeting a dead forwarder: SERVFAIL for its domain only', async () => {
    const dead = await forwardRule(aws, built.endpointId, `${STORAGE}.`, '10.146.0.99');
    try {
      assert.equal(await dnsError(resolver.resolve4(STORAGE)), 'ESERVFAIL');
      const { path, reason } = resolve(STORAGE);
      assert.match(path.join('\n'), /nothing answers at 10\.146\.0\.99/);
      assert.match(reason ?? '', new RegExp(`no target of rule ${dead}`));
      await expectPrivate(BIGQUERY);
    } finally {
      await aws.resolver.send(
        new DisassociateResolverRuleCommand({ ResolverRuleId: dead, VPCId: SEED.vpcId }),
      );
      await aws.resolver.send(new DeleteResolverRuleCommand({ ResolverRuleId: dead }));
    }
    await expectPrivate(STORAGE);
  });

  test('the wildcard record deleted: NXDOMAIN from the private zone', async () => {
    await changeRecords({ deletions: [RECORDS.wildcard] });
    try {
      assert.equal(await dnsError(resolver.resolve4(BIGQUERY)), 'ENOTFOUND');
      assert.match(resolve(BIGQUERY).reason ?? '', new RegExp(`not exist in private zone ${ZONE}`));
      assert.deepEqual(await resolver.resolve4(ENDPOINT_HOST), [PSC_IP]);
    } finally {
      await changeRecords({ additions: [RECORDS.wildcard] });
    }
  });

  test('the A record deleted: the wildcard CNAME loops on itself, SERVFAIL', async () => {
    await changeRecords({ deletions: [RECORDS.endpoint] });
    try {
      assert.equal(await dnsError(resolver.resolve4(BIGQUERY)), 'ESERVFAIL');
      assert.match(resolve(BIGQUERY).reason ?? '', /CNAME loop/);
      const cname = await resolver.resolveCname(BIGQUERY);
      assert.deepEqual(cname, [ENDPOINT_HOST.slice(0, -1)]);
    } finally {
      await changeRecords({ additions: [RECORDS.endpoint] });
    }
  });

  test('the association removed: the public answer again', async () => {
    await aws.resolver.send(
      new DisassociateResolverRuleCommand({ ResolverRuleId: built.ruleId, VPCId: SEED.vpcId }),
    );
    await expectPublic(BIGQUERY);
    assert.equal(resolve(BIGQUERY).source, 'public');
  });
});

function summary(answer: dnsPacket.Answer): string[] {
  return [answer.type, answer.name, 'data' in answer ? String(answer.data) : ''];
}

/** One query to the VPC DNS stand-in over UDP or TCP, decoded. */
function rawQuery(transport: 'udp' | 'tcp', name: string, type: 'A' | 'AAAA') {
  const port = server.dns?.port ?? 0;
  const packet = dnsPacket.encode({
    type: 'query',
    id: 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name }],
  });
  return new Promise<dnsPacket.DecodedPacket & { rcode?: string }>((done, reject) => {
    if (transport === 'udp') {
      const socket = createSocket('udp4');
      socket.once('message', (message) => {
        socket.close();
        done(dnsPacket.decode(message));
      });
      socket.send(packet, port, '127.0.0.1', (error) => error && reject(error));
      return;
    }
    const socket = connect(port, '127.0.0.1');
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(packet.length);
    socket.on('error', reject);
    let received = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
      socket.destroy();
      done(dnsPacket.decode(received.subarray(2)));
    });
    socket.write(Buffer.concat([prefix, packet]));
  });
}

async function changeRecords(change: { additions?: object[]; deletions?: object[] }) {
  const dns = await gcp.dns();
  await dns.changes.create({ project: PROJECT, managedZone: ZONE, requestBody: change });
}
