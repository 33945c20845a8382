/**
 * The four AWS steps and their teardown against moto_server (a second, independent emulator of
 * EC2 and Route 53 Resolver), so the steps are not shaped only by our own sandbox. GCP calls
 * (create-sg reads the GCP subnets) still go to the psc-bridge sandbox.
 *
 * What moto does not model, and how the steps or this test deal with it:
 * - Everything is ready at once: endpoints are OPERATIONAL and associations COMPLETE on
 *   creation, deletes are immediate. The waits return on their first look; the CREATING and
 *   DELETING paths are covered by the sandbox tests only.
 * - A rule's DomainName gets a dot appended even when it has one: `googleapis.com.` is stored
 *   and listed as `googleapis.com..`. The steps compare domains without trailing dots, which
 *   is why they find and accept it here; this test checks the double dot is really there so
 *   the note stays true.
 * - No autodefined "Internet Resolver" rule (RECURSIVE, `.`) appears in the list calls.
 * - AssociateResolverRule refuses only a second association of the same rule with the same
 *   VPC, with no `RSLVR-00802` code in the message (AWS refuses any second rule for the same
 *   domain). The step matches the message moto uses too.
 * - A security group used by an endpoint's interfaces can be deleted (no DependencyViolation),
 *   so only the order of the calls shows that teardown waits; the retry is tested on the
 *   sandbox.
 * - Its refusal to delete an endpoint that still has rules carries no `RSLVR-00600` code,
 *   only AWS's sentence; the step recognises either (a test below checks moto's wording).
 * - No call log: the "no mutating call on a rerun" check reads the SDK calls the steps made
 *   through the verbose hook of the clients instead.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import {
  GetResolverEndpointCommand,
  ListResolverEndpointIpAddressesCommand,
  ListResolverRuleAssociationsCommand,
  ListResolverRulesCommand,
  type Route53ResolverClient,
} from '@aws-sdk/client-route53resolver';
import { cloudServices } from '../../src/cloud/clients.js';
import type { PartialConfig } from '../../src/config/fields.js';
import { startSandbox } from '../../src/sandbox/server.js';
import type { StepId } from '../../src/steps/catalog.js';
import { awsClients } from '../helpers/aws.js';
import {
  FORWARDER,
  GCP_SUBNET,
  refused,
  runWith,
  seedPolicy,
  succeeded,
} from '../helpers/aws-steps.js';
import { findMotoServer, type Moto, startMoto } from '../helpers/moto.js';
import { RUNBOOK } from '../helpers/steps.js';

const AWS_STEPS: StepId[] = ['create-sg', 'create-resolver-endpoint', 'create-rule', 'associate'];
const MUTATING = /^aws (Create|Authorize|Revoke|Delete|Associate|Disassociate)/;
const binary = findMotoServer();

describe('AWS steps against moto_server', {
  skip: binary ? false : 'moto_server is not on PATH',
}, () => {
  let moto: Moto;
  let ec2: EC2Client;
  let resolver: Route53ResolverClient;
  let config: PartialConfig;
  let statePath: string;
  const calls: string[] = [];
  let run: (ids: StepId[], direction: 'apply' | 'destroy') => ReturnType<typeof runWith>;

  const cleanup: (() => unknown)[] = [];

  // Hooks registered inside `before` would run as soon as it ends: clean up in one `after`.
  before(async () => {
    moto = await startMoto(binary ?? '');
    cleanup.push(() => moto.stop());
    const sandbox = await startSandbox();
    cleanup.push(() => sandbox.close());
    const clients = await awsClients(moto.url);
    cleanup.push(() => clients.close());
    ({ ec2, resolver } = clients);
    config = { ...RUNBOOK, ...(await seedVpc(ec2)) };
    const dir = await mkdtemp(join(tmpdir(), 'psc-bridge-moto-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    statePath = join(dir, 'state.json');
    await seedPolicy({ statePath });
    const services = cloudServices(
      config,
      { gcp: sandbox.url, aws: moto.url },
      (line) => calls.push(line),
      0.001,
    );
    run = (ids, direction) => runWith(services, config, statePath, ids, direction);
  });
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  test('setup creates the four resources as the sandbox tests expect', async () => {
    const result = await run(AWS_STEPS, 'apply');
    for (const id of AWS_STEPS) assert.equal(succeeded(result, id).action, 'created');

    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: 'group-name', Values: [RUNBOOK.securityGroupName ?? ''] }],
      }),
    );
    const [group] = groups.SecurityGroups ?? [];
    assert.deepEqual(group?.IpPermissions, []);
    const egress = (group?.IpPermissionsEgress ?? []).map(
      (p) => `${p.IpProtocol} ${p.FromPort} ${p.IpRanges?.map((r) => r.CidrIp).join()}`,
    );
    assert.deepEqual(egress.sort(), [`tcp 53 ${GCP_SUBNET}`, `udp 53 ${GCP_SUBNET}`]);

    const endpointId = String(outputs(result, 'create-resolver-endpoint'));
    const endpoint = await resolver.send(
      new GetResolverEndpointCommand({ ResolverEndpointId: endpointId }),
    );
    assert.deepEqual(endpoint.ResolverEndpoint?.SecurityGroupIds, [group?.GroupId]);
    const ips = await resolver.send(
      new ListResolverEndpointIpAddressesCommand({ ResolverEndpointId: endpointId }),
    );
    assert.deepEqual(ips.IpAddresses?.map((ip) => ip.SubnetId).sort(), config.subnetIds?.sort());

    const rules = await resolver.send(new ListResolverRulesCommand({}));
    const [rule] = rules.ResolverRules ?? [];
    assert.equal(rule?.DomainName, 'googleapis.com..', 'moto still doubles the trailing dot');
    assert.deepEqual(rule?.TargetIps, [{ Ip: FORWARDER, Port: 53 }]);
    const associations = await resolver.send(new ListResolverRuleAssociationsCommand({}));
    assert.deepEqual(
      associations.ResolverRuleAssociations?.map((a) => `${a.ResolverRuleId} ${a.VPCId}`),
      [`${rule?.Id} ${config.vpcId}`],
    );
  });

  test('a rerun finds everything and makes no mutating call', async () => {
    calls.length = 0;
    const result = await run(AWS_STEPS, 'apply');
    for (const id of AWS_STEPS) assert.equal(succeeded(result, id).action, 'unchanged');
    assert.ok(calls.length > 0, 'the verbose hook saw the calls');
    assert.deepEqual(
      calls.filter((line) => MUTATING.test(line)),
      [],
    );
  });

  test("endpoint teardown while the rule remains: refused in moto's words too", async () => {
    const result = await run(['create-resolver-endpoint'], 'destroy');
    const message = refused(result, 'create-resolver-endpoint', 'ENDPOINT_IN_USE');
    assert.match(message, /Cannot delete resolver endpoint unless its related resolver rules/);
    assert.doesNotMatch(message, /RSLVR-00600/, 'moto still leaves the code out');
  });

  test('teardown deletes association, rule, endpoint and group in that order', async () => {
    calls.length = 0;
    const result = await run(AWS_STEPS, 'destroy');
    for (const id of AWS_STEPS) assert.equal(succeeded(result, id).action, 'deleted');
    assert.deepEqual(
      calls.filter((line) => MUTATING.test(line)).map((line) => line.split(' ')[1]),
      [
        'DisassociateResolverRule',
        'DeleteResolverRule',
        'DeleteResolverEndpoint',
        'DeleteSecurityGroup',
      ],
    );
    const rules = await resolver.send(new ListResolverRulesCommand({}));
    assert.deepEqual(rules.ResolverRules, []);
  });
});

function outputs(result: Awaited<ReturnType<typeof runWith>>, id: StepId): string | undefined {
  return result.outcomes.find((o) => o.id === id)?.resources.resolverEndpoint;
}

/** A VPC shaped like the runbook's, with two subnets in two zones. */
async function seedVpc(ec2: EC2Client): Promise<PartialConfig> {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.128.0.0/20' }));
  const vpcId = vpc.Vpc?.VpcId ?? '';
  const subnet = async (CidrBlock: string, AvailabilityZone: string) => {
    const made = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock, AvailabilityZone }),
    );
    return made.Subnet?.SubnetId ?? '';
  };
  return {
    vpcId,
    subnetIds: [
      await subnet('10.128.1.0/24', 'ap-northeast-1a'),
      await subnet('10.128.2.0/24', 'ap-northeast-1c'),
    ],
  };
}
