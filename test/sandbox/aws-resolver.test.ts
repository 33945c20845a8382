import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeNetworkInterfacesCommand,
} from '@aws-sdk/client-ec2';
import {
  AssociateResolverRuleCommand,
  CreateResolverEndpointCommand,
  CreateResolverRuleCommand,
  DeleteResolverEndpointCommand,
  DeleteResolverRuleCommand,
  DisassociateResolverRuleCommand,
  GetResolverEndpointCommand,
  GetResolverRuleAssociationCommand,
  GetResolverRuleCommand,
  ListResolverEndpointIpAddressesCommand,
  ListResolverEndpointsCommand,
  ListResolverRuleAssociationsCommand,
  ListResolverRulesCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UpdateResolverEndpointCommand,
} from '@aws-sdk/client-route53resolver';
import { toCloudError } from '../../src/cloud/aws.js';
import { ruleForName } from '../../src/sandbox/aws/queries.js';
import { SEED } from '../../src/sandbox/aws/seed.js';
import type { SandboxServer } from '../../src/sandbox/server.js';
import {
  type AwsClients,
  eventually,
  RUNBOOK,
  rejectsWith,
  sandboxClients,
} from '../helpers/aws.js';
import { callsSince, withSandbox } from '../helpers/sandbox.js';

const VPC = SEED.vpcId;
let seq = 0;
const token = (label: string) => `${label}-${Date.now()}-${seq++}`;

async function newGroup(aws: AwsClients, name: string): Promise<string> {
  const out = await aws.ec2.send(
    new CreateSecurityGroupCommand({ GroupName: name, Description: 'd', VpcId: VPC }),
  );
  return out.GroupId ?? '';
}

function runbookIps(ips: readonly string[] = RUNBOOK.ips) {
  return ips.map((Ip) => ({ SubnetId: SEED.subnetA.id, Ip }));
}

describe('Route 53 Resolver emulator (instant)', () => {
  let server: SandboxServer;
  let aws: AwsClients;
  before(async () => {
    server = await withSandbox();
    aws = await sandboxClients(server);
  });
  after(async () => {
    aws.close();
    await server.close();
  });

  test('the runbook setup and teardown, with every dependency error on the way', async () => {
    const sg = await newGroup(aws, RUNBOOK.sgName);
    const endpointToken = token('ep');
    const created = await aws.resolver.send(
      new CreateResolverEndpointCommand({
        CreatorRequestId: endpointToken,
        Name: RUNBOOK.endpointName,
        SecurityGroupIds: [sg],
        Direction: 'OUTBOUND',
        IpAddresses: runbookIps(),
        Tags: [{ Key: 'managed-by', Value: 'psc-bridge' }],
      }),
    );
    const endpoint = created.ResolverEndpoint;
    assert.match(endpoint?.Id ?? '', /^rslvr-out-[0-9a-f]{17}$/);
    assert.equal(endpoint?.Status, 'OPERATIONAL', 'instant profile: final at once');
    assert.equal(endpoint?.HostVPCId, VPC);
    assert.equal(endpoint?.IpAddressCount, 2);
    assert.equal(
      endpoint?.Arn,
      `arn:aws:route53resolver:${SEED.region}:${SEED.accountId}:resolver-endpoint/${endpoint?.Id}`,
    );
    const endpointId = endpoint?.Id ?? '';

    // Reusing the token is refused; the List filter finds what the first call made.
    await rejectsWith(
      aws.resolver.send(
        new CreateResolverEndpointCommand({
          CreatorRequestId: endpointToken,
          SecurityGroupIds: [sg],
          Direction: 'OUTBOUND',
          IpAddresses: runbookIps(['10.128.1.30', '10.128.1.31']),
        }),
      ),
      'ResourceExistsException',
    );
    const listed = await aws.resolver.send(
      new ListResolverEndpointsCommand({
        Filters: [{ Name: 'CreatorRequestId', Values: [endpointToken] }],
      }),
    );
    assert.deepEqual(
      listed.ResolverEndpoints?.map((e) => e.Id),
      [endpointId],
    );

    const ips = await aws.resolver.send(
      new ListResolverEndpointIpAddressesCommand({ ResolverEndpointId: endpointId }),
    );
    assert.deepEqual(ips.IpAddresses?.map((ip) => ip.Ip).sort(), [...RUNBOOK.ips].sort());
    assert.ok(ips.IpAddresses?.every((ip) => ip.Status === 'ATTACHED'));

    const enis = await aws.ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [sg] }] }),
    );
    assert.deepEqual(
      enis.NetworkInterfaces?.map((eni) => eni.PrivateIpAddress).sort(),
      [...RUNBOOK.ips].sort(),
    );
    assert.ok(enis.NetworkInterfaces?.every((eni) => eni.Description?.includes(endpointId)));
    const byDescription = await aws.ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'description', Values: [`Route 53 Resolver: ${endpointId}:*`] }],
      }),
    );
    assert.equal(byDescription.NetworkInterfaces?.length, 2);

    await rejectsWith(
      aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg })),
      'DependencyViolation',
    );

    const ruleToken = token('rule');
    const rule = (
      await aws.resolver.send(
        new CreateResolverRuleCommand({
          CreatorRequestId: ruleToken,
          Name: RUNBOOK.ruleName,
          RuleType: 'FORWARD',
          DomainName: 'googleapis.com',
          TargetIps: [{ Ip: RUNBOOK.forwarderIp, Port: 53 }],
          ResolverEndpointId: endpointId,
        }),
      )
    ).ResolverRule;
    assert.match(rule?.Id ?? '', /^rslvr-rr-[0-9a-f]{17}$/);
    assert.equal(rule?.DomainName, RUNBOOK.domain, 'stored with the trailing dot');
    assert.equal(rule?.Status, 'COMPLETE');
    const ruleId = rule?.Id ?? '';
    await rejectsWith(
      aws.resolver.send(
        new CreateResolverRuleCommand({
          CreatorRequestId: ruleToken,
          RuleType: 'FORWARD',
          DomainName: 'googleapis.com.',
          TargetIps: [{ Ip: RUNBOOK.forwarderIp }],
          ResolverEndpointId: endpointId,
        }),
      ),
      'ResourceExistsException',
    );
    const rules = await aws.resolver.send(
      new ListResolverRulesCommand({
        Filters: [{ Name: 'CREATOR_REQUEST_ID', Values: [ruleToken] }],
      }),
    );
    assert.deepEqual(
      rules.ResolverRules?.map((r) => r.Id),
      [ruleId],
    );

    await rejectsWith(
      aws.resolver.send(new DeleteResolverEndpointCommand({ ResolverEndpointId: endpointId })),
      'InvalidRequestException',
      'RSLVR-00600',
    );

    const association = (
      await aws.resolver.send(
        new AssociateResolverRuleCommand({ ResolverRuleId: ruleId, VPCId: VPC }),
      )
    ).ResolverRuleAssociation;
    assert.match(association?.Id ?? '', /^rslvr-rrassoc-[0-9a-f]{17}$/);
    assert.equal(association?.Status, 'COMPLETE');
    assert.equal(
      ruleForName(server.store.current(), VPC, 'bigquery.googleapis.com')?.rule.id,
      ruleId,
    );

    await rejectsWith(
      aws.resolver.send(new AssociateResolverRuleCommand({ ResolverRuleId: ruleId, VPCId: VPC })),
      'InvalidRequestException',
      'RSLVR-00802',
    );
    const secondRule = await aws.resolver.send(
      new CreateResolverRuleCommand({
        CreatorRequestId: token('rule2'),
        RuleType: 'FORWARD',
        DomainName: 'googleapis.com.',
        TargetIps: [{ Ip: '10.146.0.4' }],
        ResolverEndpointId: endpointId,
      }),
    );
    await rejectsWith(
      aws.resolver.send(
        new AssociateResolverRuleCommand({
          ResolverRuleId: secondRule.ResolverRule?.Id,
          VPCId: VPC,
        }),
      ),
      'InvalidRequestException',
      `Conflict with resolver rule '${ruleId}'`,
    );
    await aws.resolver.send(
      new DeleteResolverRuleCommand({ ResolverRuleId: secondRule.ResolverRule?.Id }),
    );

    await rejectsWith(
      aws.resolver.send(new DeleteResolverRuleCommand({ ResolverRuleId: ruleId })),
      'ResourceInUseException',
    );

    const associations = await aws.resolver.send(
      new ListResolverRuleAssociationsCommand({ Filters: [{ Name: 'VPCId', Values: [VPC] }] }),
    );
    assert.deepEqual(
      associations.ResolverRuleAssociations?.map((a) => a.ResolverRuleId),
      ['rslvr-autodefined-rr-internet-resolver', ruleId],
      'the auto-defined Internet Resolver association is listed, as on AWS',
    );
    const got = await aws.resolver.send(
      new GetResolverRuleAssociationCommand({ ResolverRuleAssociationId: association?.Id }),
    );
    assert.equal(got.ResolverRuleAssociation?.VPCId, VPC);

    // Teardown in the only order AWS accepts.
    const gone = await aws.resolver.send(
      new DisassociateResolverRuleCommand({ ResolverRuleId: ruleId, VPCId: VPC }),
    );
    assert.equal(gone.ResolverRuleAssociation?.Status, 'DELETING');
    await rejectsWith(
      aws.resolver.send(
        new GetResolverRuleAssociationCommand({ ResolverRuleAssociationId: association?.Id }),
      ),
      'ResourceNotFoundException',
    );
    const deletedRule = await aws.resolver.send(
      new DeleteResolverRuleCommand({ ResolverRuleId: ruleId }),
    );
    assert.equal(deletedRule.ResolverRule?.Status, 'DELETING');
    await rejectsWith(
      aws.resolver.send(new GetResolverRuleCommand({ ResolverRuleId: ruleId })),
      'ResourceNotFoundException',
      'RSLVR-00703',
    );
    const deleted = await aws.resolver.send(
      new DeleteResolverEndpointCommand({ ResolverEndpointId: endpointId }),
    );
    assert.equal(deleted.ResolverEndpoint?.Status, 'DELETING');
    await rejectsWith(
      aws.resolver.send(new GetResolverEndpointCommand({ ResolverEndpointId: endpointId })),
      'ResourceNotFoundException',
    );
    await aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg }));
  });

  test('endpoint validation: too few IPs, outside subnet, reserved, taken, other VPC', async () => {
    const sg = await newGroup(aws, 'validation');
    const create = (IpAddresses: { SubnetId: string; Ip?: string }[], groups = [sg]) =>
      aws.resolver.send(
        new CreateResolverEndpointCommand({
          CreatorRequestId: token('v'),
          SecurityGroupIds: groups,
          Direction: 'OUTBOUND',
          IpAddresses,
        }),
      );
    await rejectsWith(create(runbookIps(['10.128.1.16'])), 'InvalidRequestException', 'at least 2');
    await rejectsWith(
      create(runbookIps(['10.128.1.16', '10.128.2.20'])),
      'InvalidRequestException',
      /10\.128\.2\.20.*not in subnet/,
    );
    await rejectsWith(
      create(runbookIps(['10.128.1.16', '10.128.1.1'])),
      'InvalidRequestException',
      'reserved',
    );
    await rejectsWith(
      create(runbookIps(['10.128.1.16', '10.128.1.16'])),
      'ResourceExistsException',
    );
    await rejectsWith(
      create([{ SubnetId: 'subnet-0000000000000000f' }, { SubnetId: SEED.subnetA.id }]),
      'InvalidParameterException',
    );
    await rejectsWith(create(runbookIps(), ['sg-0123456789abcdef0']), 'ResourceNotFoundException');

    // Only subnets given: one address is picked in each, inside its CIDR.
    const auto = await create([{ SubnetId: SEED.subnetA.id }, { SubnetId: SEED.subnetC.id }]);
    const ips = await aws.resolver.send(
      new ListResolverEndpointIpAddressesCommand({ ResolverEndpointId: auto.ResolverEndpoint?.Id }),
    );
    const bySubnet = new Map(ips.IpAddresses?.map((ip) => [ip.SubnetId, ip.Ip ?? '']));
    assert.match(bySubnet.get(SEED.subnetA.id) ?? '', /^10\.128\.1\.\d+$/);
    assert.match(bySubnet.get(SEED.subnetC.id) ?? '', /^10\.128\.2\.\d+$/);
    await aws.resolver.send(
      new DeleteResolverEndpointCommand({ ResolverEndpointId: auto.ResolverEndpoint?.Id }),
    );
    await aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg }));
  });

  test("an endpoint Name outside botocore's pattern is a ValidationException", async () => {
    // service-2.json: Name is at most 64 of [a-zA-Z0-9-_' ], and not only digits.
    const sg = await newGroup(aws, 'named');
    const create = (Name: string) =>
      aws.resolver.send(
        new CreateResolverEndpointCommand({
          CreatorRequestId: token('n'),
          Name,
          SecurityGroupIds: [sg],
          Direction: 'OUTBOUND',
          IpAddresses: runbookIps(['10.128.1.40', '10.128.1.41']),
        }),
      );
    const pattern = /at 'name' failed to satisfy constraint: .*regular expression pattern/;
    for (const name of ['bigquery/vpn-endpoint', '20211011091020', 'dns.endpoint']) {
      await rejectsWith(create(name), 'ValidationException', pattern);
    }
    await rejectsWith(create('e'.repeat(65)), 'ValidationException', /less than or equal to 64/);
    const listed = await aws.resolver.send(new ListResolverEndpointsCommand({}));
    assert.ok(!listed.ResolverEndpoints?.some((e) => e.SecurityGroupIds?.includes(sg)));

    const ok = await create("bigquery vpn_test-endpoint 'b'");
    assert.equal(ok.ResolverEndpoint?.Name, "bigquery vpn_test-endpoint 'b'");
    await aws.resolver.send(
      new DeleteResolverEndpointCommand({ ResolverEndpointId: ok.ResolverEndpoint?.Id }),
    );
    await aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg }));
  });

  test('rule validation: FORWARD needs targets and an outbound endpoint', async () => {
    await rejectsWith(
      aws.resolver.send(
        new CreateResolverRuleCommand({
          CreatorRequestId: token('r'),
          RuleType: 'FORWARD',
          DomainName: 'googleapis.com.',
          ResolverEndpointId: 'rslvr-out-00000000000000000',
        }),
      ),
      'InvalidRequestException',
      'TargetIps',
    );
    await rejectsWith(
      aws.resolver.send(
        new CreateResolverRuleCommand({
          CreatorRequestId: token('r'),
          RuleType: 'FORWARD',
          DomainName: 'googleapis.com.',
          TargetIps: [{ Ip: RUNBOOK.forwarderIp }],
          ResolverEndpointId: 'rslvr-out-00000000000000000',
        }),
      ),
      'ResourceNotFoundException',
    );
  });

  test('tags on endpoints and rules', async () => {
    const sg = await newGroup(aws, 'tagging');
    const endpoint = await aws.resolver.send(
      new CreateResolverEndpointCommand({
        CreatorRequestId: token('t'),
        SecurityGroupIds: [sg],
        Direction: 'OUTBOUND',
        IpAddresses: runbookIps(['10.128.1.40', '10.128.1.41']),
        Tags: [{ Key: 'a', Value: '1' }],
      }),
    );
    const arn = endpoint.ResolverEndpoint?.Arn ?? '';
    await aws.resolver.send(
      new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'b', Value: '2' }] }),
    );
    const tags = await aws.resolver.send(new ListTagsForResourceCommand({ ResourceArn: arn }));
    assert.deepEqual(tags.Tags, [
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
    ]);
    await rejectsWith(
      aws.resolver.send(new ListTagsForResourceCommand({ ResourceArn: `${arn}0` })),
      'ResourceNotFoundException',
    );
  });

  test('an operation the emulator does not model fails with an error naming it', async () => {
    const from = server.store.current().calls.length;
    await rejectsWith(
      aws.resolver.send(new UpdateResolverEndpointCommand({ ResolverEndpointId: 'rslvr-out-1' })),
      'UnknownOperationException',
      'UpdateResolverEndpoint',
    );
    const [call] = callsSince(server, from);
    assert.equal(call?.service, 'route53resolver');
    assert.equal(call?.operation, 'unknown Route53Resolver.UpdateResolverEndpoint');
    assert.equal(call?.error, 'UnknownOperationException');
  });
});

describe('Route 53 Resolver emulator (realistic latency)', () => {
  test('CREATING → OPERATIONAL, association CREATING → COMPLETE, then gone', async () => {
    // Real durations (minutes), so no state moves on by itself while the test looks at it;
    // the test then makes what it waits for due at once, standing in for the wait.
    const server = await withSandbox({ profile: { latency: 'realistic', speed: 1 } });
    const aws = await sandboxClients(server);
    const region = () => server.store.current().aws.regions[SEED.region];
    const hasten = (record: { readyAt?: number; goneAt?: number } | undefined) => {
      assert.ok(record, 'the record is there to hasten');
      if (record.readyAt !== undefined) record.readyAt = Date.now();
      if (record.goneAt !== undefined) record.goneAt = Date.now();
    };
    try {
      const sg = await newGroup(aws, RUNBOOK.sgName);
      const created = await aws.resolver.send(
        new CreateResolverEndpointCommand({
          CreatorRequestId: token('slow'),
          SecurityGroupIds: [sg],
          Direction: 'OUTBOUND',
          IpAddresses: runbookIps(),
        }),
      );
      const id = created.ResolverEndpoint?.Id ?? '';
      assert.equal(created.ResolverEndpoint?.Status, 'CREATING');
      const ips = await aws.resolver.send(
        new ListResolverEndpointIpAddressesCommand({ ResolverEndpointId: id }),
      );
      assert.ok(ips.IpAddresses?.every((ip) => ip.Status === 'CREATING'));
      await rejectsWith(
        aws.resolver.send(
          new CreateResolverRuleCommand({
            CreatorRequestId: token('early'),
            RuleType: 'FORWARD',
            DomainName: 'example.com',
            TargetIps: [{ Ip: RUNBOOK.forwarderIp }],
            ResolverEndpointId: 'rslvr-out-ffffffffffffffff0',
          }),
        ),
        'ResourceNotFoundException',
      );
      hasten(region()?.resolverEndpoints.find((e) => e.id === id));
      await eventually(async () => {
        const got = await aws.resolver.send(
          new GetResolverEndpointCommand({ ResolverEndpointId: id }),
        );
        return got.ResolverEndpoint?.Status === 'OPERATIONAL' ? true : undefined;
      });

      const rule = await aws.resolver.send(
        new CreateResolverRuleCommand({
          CreatorRequestId: token('slow-rule'),
          RuleType: 'FORWARD',
          DomainName: RUNBOOK.domain,
          TargetIps: [{ Ip: RUNBOOK.forwarderIp, Port: 53 }],
          ResolverEndpointId: id,
        }),
      );
      const ruleId = rule.ResolverRule?.Id ?? '';
      const association = await aws.resolver.send(
        new AssociateResolverRuleCommand({ ResolverRuleId: ruleId, VPCId: VPC }),
      );
      assert.equal(association.ResolverRuleAssociation?.Status, 'CREATING');
      const associationId = association.ResolverRuleAssociation?.Id;
      hasten(region()?.ruleAssociations.find((a) => a.id === associationId));
      await eventually(async () => {
        const got = await aws.resolver.send(
          new GetResolverRuleAssociationCommand({
            ResolverRuleAssociationId: association.ResolverRuleAssociation?.Id,
          }),
        );
        return got.ResolverRuleAssociation?.Status === 'COMPLETE' ? true : undefined;
      });

      await aws.resolver.send(
        new DisassociateResolverRuleCommand({ ResolverRuleId: ruleId, VPCId: VPC }),
      );
      hasten(region()?.ruleAssociations.find((a) => a.id === associationId));
      await eventually(async () => {
        const list = await aws.resolver.send(
          new ListResolverRuleAssociationsCommand({
            Filters: [{ Name: 'ResolverRuleId', Values: [ruleId] }],
          }),
        );
        return list.ResolverRuleAssociations?.length === 0 ? true : undefined;
      });
      await aws.resolver.send(new DeleteResolverRuleCommand({ ResolverRuleId: ruleId }));
      hasten(region()?.resolverRules.find((r) => r.id === ruleId));
      await eventually(async () => {
        const list = await aws.resolver.send(
          new ListResolverRulesCommand({ Filters: [{ Name: 'ResolverEndpointId', Values: [id] }] }),
        );
        return list.ResolverRules?.length === 0 ? true : undefined;
      });

      const deleting = await aws.resolver.send(
        new DeleteResolverEndpointCommand({ ResolverEndpointId: id }),
      );
      assert.equal(deleting.ResolverEndpoint?.Status, 'DELETING');
      const still = await aws.resolver.send(
        new GetResolverEndpointCommand({ ResolverEndpointId: id }),
      );
      assert.equal(still.ResolverEndpoint?.Status, 'DELETING');
      // The ENIs outlive the DELETING phase, so the group stays in use until the end.
      await rejectsWith(
        aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg })),
        'DependencyViolation',
      );
      hasten(region()?.resolverEndpoints.find((e) => e.id === id));
      await eventually(async () => {
        try {
          await aws.resolver.send(new GetResolverEndpointCommand({ ResolverEndpointId: id }));
          return undefined;
        } catch (error) {
          return (error as Error).name === 'ResourceNotFoundException' ? true : undefined;
        }
      });
      await aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg }));
    } finally {
      aws.close();
      await server.close();
    }
  });

  test('the endpointActionNeeded knob leaves new endpoints in ACTION_NEEDED', async () => {
    const server = await withSandbox();
    server.store.current().aws.knobs.endpointActionNeeded = true;
    const aws = await sandboxClients(server);
    try {
      const sg = await newGroup(aws, 'stuck');
      const out = await aws.resolver.send(
        new CreateResolverEndpointCommand({
          CreatorRequestId: token('stuck'),
          SecurityGroupIds: [sg],
          Direction: 'OUTBOUND',
          IpAddresses: runbookIps(),
        }),
      );
      assert.equal(out.ResolverEndpoint?.Status, 'ACTION_NEEDED');
    } finally {
      aws.close();
      await server.close();
    }
  });
});

describe('Route 53 Resolver emulator, injected faults', () => {
  test('calls fail with ThrottlingException or RSLVR-00201, both transient', async () => {
    const server = await withSandbox({ profile: { faults: 1 } });
    const aws = await sandboxClients(server, 1);
    try {
      const seen = new Set<string>();
      for (let i = 0; i < 12; i += 1) {
        let caught: unknown;
        try {
          await aws.resolver.send(new ListResolverEndpointsCommand({}));
        } catch (error) {
          caught = error;
        }
        const mapped = toCloudError(caught, 'route53resolver:ListResolverEndpoints');
        assert.equal(mapped.details.transient, true, mapped.message);
        seen.add(mapped.code);
      }
      assert.deepEqual([...seen].sort(), ['InternalServiceErrorException', 'ThrottlingException']);
      assert.ok(callsSince(server).every((call) => call.injected === true));
    } finally {
      aws.close();
      await server.close();
    }
  });
});
