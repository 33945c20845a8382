import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SEED } from '../../src/sandbox/aws/seed.js';
import { RUNBOOK } from '../helpers/aws.js';
import { findAws } from '../helpers/aws-cli.js';
import { callsSince, type ServedSandbox, serveSandbox } from '../helpers/sandbox.js';

/**
 * The runbook's own `aws` command lines (aws-cli v1 on this machine), run unchanged against
 * `psc-bridge sandbox serve` with only the variables it prints. The CLI serialises with
 * botocore, so this checks our wire format against a second, independent client.
 */
const awsBin = findAws();
const skip = awsBin ? false : 'the aws CLI is not installed; install it to run this contract test';

type Json = Record<string, unknown>;

/** What the runbook's `date +'%Y%m%d%H%M%S'` gives, used there as the CreatorRequestId. */
function runbookTimestamp(): string {
  return new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

describe('aws CLI against `sandbox serve`', { skip }, () => {
  let server: ServedSandbox;
  let home: string;
  const run = (args: string[]): Promise<Json> =>
    new Promise((resolve, reject) => {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: home,
        // Nothing of the machine's own AWS setup: the printed lines must be enough.
        AWS_CONFIG_FILE: join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_PAGER: '',
        ...server.env,
      };
      execFile(
        awsBin ?? 'aws',
        [...args, '--output', 'json'],
        { env, timeout: 30_000 },
        (error, stdout, stderr) => {
          if (error) {
            reject(new Error(`aws ${args.join(' ')} failed: ${stderr || error.message}`));
            return;
          }
          resolve(stdout.trim() === '' ? {} : (JSON.parse(stdout) as Json));
        },
      );
    });
  const fails = async (args: string[], fragment: string) => {
    await assert.rejects(run(args), (error: Error) => error.message.includes(fragment));
  };

  // What the runbook's lines made, for the tests after them.
  let groupId = '';
  let endpointId = '';
  let ruleId = '';
  let associationId = '';

  before(async () => {
    server = await serveSandbox();
    home = server.cwd;
    writeFileSync(join(home, 'config'), '');
    writeFileSync(join(home, 'credentials'), '');
  });
  after(async () => {
    await server?.close();
  });

  test('the runbook lines', { timeout: 120_000 }, async () => {
    const sg = await run([
      'ec2',
      'create-security-group',
      '--group-name',
      RUNBOOK.sgName,
      '--description',
      RUNBOOK.sgDescription,
      '--vpc-id',
      SEED.vpcId,
    ]);
    groupId = String(sg.GroupId);
    assert.match(groupId, /^sg-[0-9a-f]{17}$/);

    for (const protocol of ['tcp', 'udp']) {
      await run([
        'ec2',
        'authorize-security-group-ingress',
        '--group-id',
        groupId,
        '--protocol',
        protocol,
        '--port',
        '53',
        '--cidr',
        RUNBOOK.gcpSubnet,
      ]);
    }

    // The runbook passes `date +'%Y%m%d%H%M%S'` to both creates: the same id may well come
    // back for the endpoint and the rule, which must not clash (they are different kinds).
    const stamp = runbookTimestamp();
    const endpoint = await run([
      'route53resolver',
      'create-resolver-endpoint',
      '--creator-request-id',
      stamp,
      '--name',
      RUNBOOK.endpointName,
      '--security-group-ids',
      groupId,
      '--direction',
      'OUTBOUND',
      '--ip-addresses',
      `SubnetId=${SEED.subnetA.id},Ip=${RUNBOOK.ips[0]}`,
      `SubnetId=${SEED.subnetA.id},Ip=${RUNBOOK.ips[1]}`,
    ]);
    const ep = endpoint.ResolverEndpoint as Json;
    endpointId = String(ep.Id);
    assert.match(endpointId, /^rslvr-out-[0-9a-f]{17}$/);
    assert.equal(ep.Status, 'OPERATIONAL');
    assert.equal(ep.HostVPCId, SEED.vpcId);

    const rule = await run([
      'route53resolver',
      'create-resolver-rule',
      '--creator-request-id',
      stamp,
      '--name',
      RUNBOOK.ruleName,
      '--rule-type',
      'FORWARD',
      '--domain-name',
      RUNBOOK.domain,
      '--target-ips',
      `Ip=${RUNBOOK.forwarderIp},Port=53`,
      '--resolver-endpoint-id',
      endpointId,
    ]);
    ruleId = String((rule.ResolverRule as Json).Id);
    assert.match(ruleId, /^rslvr-rr-[0-9a-f]{17}$/);
    assert.deepEqual((rule.ResolverRule as Json).TargetIps, [
      { Ip: RUNBOOK.forwarderIp, Port: 53 },
    ]);

    const association = await run([
      'route53resolver',
      'associate-resolver-rule',
      '--resolver-rule-id',
      ruleId,
      '--vpc-id',
      SEED.vpcId,
    ]);
    const associated = association.ResolverRuleAssociation as Json;
    associationId = String(associated.Id);
    assert.equal(associated.Status, 'COMPLETE');
  });

  test('`sandbox show --json` lists what the runbook lines made', async () => {
    assert.ok(associationId, 'the runbook lines ran');
    const { resources } = await server.show();
    const shown = (kind: string) => resources.aws[`regions.${SEED.region}.${kind}`] ?? [];
    assert.ok(shown('securityGroups').includes(RUNBOOK.sgName), shown('securityGroups').join());
    // The two DNS ingress rules, and the allow-all egress rule every new group gets.
    assert.equal(shown(`securityGroups.${RUNBOOK.sgName}.rules`).length, 3);
    assert.deepEqual(shown('resolverEndpoints'), [RUNBOOK.endpointName]);
    assert.deepEqual(shown('resolverRules'), [RUNBOOK.ruleName]);
    assert.deepEqual(shown('ruleAssociations'), [associationId]);
    assert.equal(shown('networkInterfaces').length, 2, 'the endpoint holds two interfaces');
  });

  test('describe/list lines, the errors AWS gives, and teardown', async () => {
    assert.ok(associationId, 'the runbook lines ran');
    await fails(
      [
        'ec2',
        'authorize-security-group-ingress',
        '--group-id',
        groupId,
        '--protocol',
        'tcp',
        '--port',
        '53',
        '--cidr',
        RUNBOOK.gcpSubnet,
      ],
      'InvalidPermission.Duplicate',
    );
    await fails(
      [
        'route53resolver',
        'associate-resolver-rule',
        '--resolver-rule-id',
        ruleId,
        '--vpc-id',
        SEED.vpcId,
      ],
      'RSLVR-00802',
    );
    const described = await run(['ec2', 'describe-security-groups', '--group-ids', groupId]);
    const groups = described.SecurityGroups as { IpPermissions: Json[] }[];
    assert.deepEqual(
      groups[0]?.IpPermissions.map((p) => [p.IpProtocol, p.FromPort, p.ToPort]),
      [
        ['tcp', 53, 53],
        ['udp', 53, 53],
      ],
    );
    const byName = await run([
      'ec2',
      'describe-security-groups',
      '--filters',
      `Name=group-name,Values=${RUNBOOK.sgName}`,
      `Name=vpc-id,Values=${SEED.vpcId}`,
    ]);
    assert.equal((byName.SecurityGroups as Json[]).length, 1);

    const endpoint = await run([
      'route53resolver',
      'get-resolver-endpoint',
      '--resolver-endpoint-id',
      endpointId,
    ]);
    const creatorRequestId = String((endpoint.ResolverEndpoint as Json).CreatorRequestId);
    const listed = await run([
      'route53resolver',
      'list-resolver-endpoints',
      '--filters',
      `Name=CreatorRequestId,Values=${creatorRequestId}`,
    ]);
    assert.deepEqual(
      (listed.ResolverEndpoints as Json[]).map((e) => e.Id),
      [endpointId],
    );
    const ips = await run([
      'route53resolver',
      'list-resolver-endpoint-ip-addresses',
      '--resolver-endpoint-id',
      endpointId,
    ]);
    assert.deepEqual(
      (ips.IpAddresses as Json[]).map((ip) => ip.Ip).sort(),
      [...RUNBOOK.ips].sort(),
    );
    const rules = await run([
      'route53resolver',
      'list-resolver-rules',
      '--filters',
      `Name=DomainName,Values=${RUNBOOK.domain}`,
    ]);
    assert.deepEqual(
      (rules.ResolverRules as Json[]).map((r) => r.Id),
      [ruleId],
    );
    const enis = await run([
      'ec2',
      'describe-network-interfaces',
      '--filters',
      `Name=group-id,Values=${groupId}`,
    ]);
    assert.equal((enis.NetworkInterfaces as Json[]).length, 2);
    const tables = await run([
      'ec2',
      'describe-route-tables',
      '--filters',
      `Name=vpc-id,Values=${SEED.vpcId}`,
    ]);
    const routeTable = (tables.RouteTables as { PropagatingVgws: Json[] }[])[0];
    assert.deepEqual(routeTable?.PropagatingVgws, [{ GatewayId: SEED.vpnGatewayId }]);
    await run(['ec2', 'describe-subnets', '--subnet-ids', SEED.subnetA.id]);
    await run(['ec2', 'describe-availability-zones']);
    await run(['ec2', 'describe-vpcs', '--vpc-ids', SEED.vpcId]);

    await fails(['ec2', 'delete-security-group', '--group-id', groupId], 'DependencyViolation');
    await fails(
      ['route53resolver', 'delete-resolver-endpoint', '--resolver-endpoint-id', endpointId],
      'RSLVR-00600',
    );
    await fails(
      ['route53resolver', 'delete-resolver-rule', '--resolver-rule-id', ruleId],
      'ResourceInUseException',
    );

    await run([
      'route53resolver',
      'disassociate-resolver-rule',
      '--resolver-rule-id',
      ruleId,
      '--vpc-id',
      SEED.vpcId,
    ]);
    await run(['route53resolver', 'delete-resolver-rule', '--resolver-rule-id', ruleId]);
    await run([
      'route53resolver',
      'delete-resolver-endpoint',
      '--resolver-endpoint-id',
      endpointId,
    ]);
    await run(['ec2', 'delete-security-group', '--group-id', groupId]);

    const region = server.store.current().aws.regions[SEED.region];
    assert.equal(region?.resolverEndpoints.length, 0);
    assert.equal(region?.resolverRules.length, 0);
    assert.equal(region?.ruleAssociations.length, 0);
    assert.ok(!region?.securityGroups.some((group) => group.id === groupId));
    const unknown = callsSince(server).filter((call) => call.error === 'InvalidAction');
    assert.deepEqual(unknown, []);
  });
});
