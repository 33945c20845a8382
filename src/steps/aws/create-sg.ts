import type { Filter, IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import type { PartialConfig } from '../../config/fields.js';
import { CloudError, UserError } from '../../errors.js';
import { stepInfo } from '../catalog.js';
import { call as gcpCall } from '../gcp/common.js';
import type { CloudStep } from '../load.js';
import { conflict } from '../shared.js';
import type { ApplyResult, DestroyResult, Difference, Inspection } from '../types.js';
import {
  type AwsContext,
  awsLine,
  call,
  elapsedText,
  hasCode,
  hasOwnTag,
  ownTags,
  setting,
  sh,
  shown,
  waitFor,
} from './common.js';

const DESCRIPTION = 'psc-bridge: DNS from the Route 53 Resolver outbound endpoint to GCP';

/** How long teardown keeps retrying DependencyViolation (real time, before pollScale). */
const FREE_TIMEOUT_MS = 5 * 60_000;

/** One rule, flattened to one peer, so groups compare as sets of lines. */
interface Rule {
  egress: boolean;
  /** `tcp`, `udp`, `all` or a protocol number. */
  protocol: string;
  from?: number;
  to?: number;
  /** A CIDR, a security group id or a prefix list id. */
  peer: string;
}

/** The default rules AWS puts on a new group; psc-bridge removes them from its own. */
const ALLOW_ALL = ['0.0.0.0/0', '::/0'];

export const step: CloudStep = {
  ...stepInfo('create-sg'),
  cloud: 'aws',

  async inspect(ctx): Promise<Inspection> {
    const group = await findGroup(ctx);
    if (!group) return { presence: 'absent', resources: {}, differences: [] };
    const differences = differencesOf(compareRules(group, await gcpSubnetCidrs(ctx)));
    return {
      presence: differences.length === 0 ? 'present' : 'drifted',
      resources: { securityGroup: group.GroupId ?? '' },
      differences,
    };
  },

  async apply(ctx): Promise<ApplyResult> {
    const cidrs = await gcpSubnetCidrs(ctx);
    const group = await findGroup(ctx);
    if (!group) return create(ctx, cidrs);

    const { missing, extra } = compareRules(group, cidrs);
    if (isOurs(ctx, group)) return complete(ctx, group, missing, extra);
    if (missing.length > 0 || extra.length > 0) throw refusal(ctx, group, missing, extra);
    return result('adopted', 'adopted', group, [
      `Adopted the existing security group ${group.GroupId}; teardown will leave it in place.`,
    ]);
  },

  async destroy(ctx): Promise<DestroyResult> {
    const group = await findGroup(ctx);
    if (!group?.GroupId) return { action: 'absent' };
    if (!isOurs(ctx, group)) {
      return {
        action: 'kept',
        notes: [`Left security group ${group.GroupId} in place: psc-bridge did not create it.`],
      };
    }
    await deleteWhenFree(ctx, group.GroupId);
    return { action: 'deleted' };
  },

  commands(config, direction) {
    return direction === 'apply' ? applyCommands(config) : destroyCommands(config);
  },
};

// ---------------------------------------------------------------------------------------
// Read

/** The primary ranges of the GCP network's subnets in the region: where DNS goes. */
async function gcpSubnetCidrs(ctx: AwsContext): Promise<string[]> {
  const region = setting(ctx.config, 'gcpRegion');
  const network = setting(ctx.config, 'gcpNetwork');
  const gcp = await ctx.services.gcp();
  // Through the GCP steps' helper: it maps errors, logs with --verbose and retries 429s.
  const [subnets] = await gcpCall(ctx, 'compute.subnetworks.list', region, () =>
    gcp.compute.subnetworks.list({ project: gcp.projectId, region }),
  );
  const cidrs = subnets
    .filter((subnet) => subnet.network?.endsWith(`/networks/${network}`))
    .flatMap((subnet) => (subnet.ipCidrRange ? [subnet.ipCidrRange] : []));
  if (cidrs.length > 0) return [...new Set(cidrs)].sort();
  throw new UserError(
    'NO_GCP_SUBNET',
    `The GCP network ${network} has no subnet in ${region}, so there is nothing to send DNS to.`,
    'Check --gcp-network and --gcp-region: the inbound DNS forwarders live in those subnets.',
  );
}

/** The group recorded in the state, else the one with the configured name in the VPC. */
async function findGroup(ctx: AwsContext): Promise<SecurityGroup | undefined> {
  const recorded = ctx.record.resources.securityGroup;
  if (recorded) {
    const byId = await describeGroup(ctx, [{ Name: 'group-id', Values: [recorded] }]);
    if (byId) return byId;
  }
  return byName(ctx);
}

/** The group with the configured name in the VPC (names are unique there). */
function byName(ctx: AwsContext): Promise<SecurityGroup | undefined> {
  return describeGroup(ctx, [
    { Name: 'vpc-id', Values: [setting(ctx.config, 'vpcId')] },
    { Name: 'group-name', Values: [setting(ctx.config, 'securityGroupName')] },
  ]);
}

async function describeGroup(
  ctx: AwsContext,
  filters: Filter[],
): Promise<SecurityGroup | undefined> {
  const { DescribeSecurityGroupsCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await ctx.services.ec2();
  const answer = await call('ec2:DescribeSecurityGroups', undefined, () =>
    ec2.send(new DescribeSecurityGroupsCommand({ Filters: filters })),
  );
  return answer.SecurityGroups?.[0];
}

/**
 * Ours: the group the state records as created (or checkpointed mid-create), or, after a
 * crash between CreateSecurityGroup and the checkpoint, the tagged group found by name while
 * the state holds the token taken before that call.
 */
function isOurs(ctx: AwsContext, group: SecurityGroup): boolean {
  const { record } = ctx;
  if (record.ownership === 'adopted') return false;
  const recorded = record.resources.securityGroup;
  if (recorded) return recorded === group.GroupId;
  return record.tokens.create !== undefined && hasOwnTag(group.Tags);
}

// ---------------------------------------------------------------------------------------
// Decide

function wantedRules(cidrs: string[]): Rule[] {
  return cidrs.flatMap((peer) =>
    ['tcp', 'udp'].map((protocol) => ({ egress: true, protocol, from: 53, to: 53, peer })),
  );
}

function rulesOf(group: SecurityGroup): Rule[] {
  return [
    ...(group.IpPermissions ?? []).flatMap((p) => flatten(p, false)),
    ...(group.IpPermissionsEgress ?? []).flatMap((p) => flatten(p, true)),
  ];
}

function flatten(permission: IpPermission, egress: boolean): Rule[] {
  const protocol = permission.IpProtocol === '-1' ? 'all' : (permission.IpProtocol ?? 'all');
  const ports =
    protocol === 'all' ? {} : { from: permission.FromPort ?? -1, to: permission.ToPort ?? -1 };
  const peers = [
    ...(permission.IpRanges ?? []).map((range) => range.CidrIp),
    ...(permission.Ipv6Ranges ?? []).map((range) => range.CidrIpv6),
    ...(permission.UserIdGroupPairs ?? []).map((pair) => pair.GroupId),
    ...(permission.PrefixListIds ?? []).map((list) => list.PrefixListId),
  ];
  return peers.map((peer) => ({ egress, protocol, ...ports, peer: peer ?? '?' }));
}

/** `egress tcp 53 to 10.146.0.0/24`, `ingress all from sg-0123`. */
function ruleText(rule: Rule): string {
  const ports =
    rule.from === undefined || rule.from === -1
      ? ''
      : rule.from === rule.to
        ? ` ${rule.from}`
        : ` ${rule.from}-${rule.to}`;
  const way = rule.egress ? 'egress' : 'ingress';
  return `${way} ${rule.protocol}${ports} ${rule.egress ? 'to' : 'from'} ${rule.peer}`;
}

function compareRules(group: SecurityGroup, cidrs: string[]): { missing: Rule[]; extra: Rule[] } {
  const wanted = wantedRules(cidrs);
  const actual = rulesOf(group);
  const texts = (rules: Rule[]) => new Set(rules.map(ruleText));
  const have = texts(actual);
  const want = texts(wanted);
  return {
    missing: wanted.filter((rule) => !have.has(ruleText(rule))),
    extra: actual.filter((rule) => !want.has(ruleText(rule))),
  };
}

function differencesOf({ missing, extra }: { missing: Rule[]; extra: Rule[] }): Difference[] {
  return [
    ...missing.map((rule) => ({ field: 'rule', expected: ruleText(rule), actual: '(missing)' })),
    ...extra.map((rule) => ({ field: 'rule', expected: '(none)', actual: ruleText(rule) })),
  ];
}

function isAllowAll(rule: Rule): boolean {
  return rule.egress && rule.protocol === 'all' && ALLOW_ALL.includes(rule.peer);
}

function refusal(ctx: AwsContext, group: SecurityGroup, missing: Rule[], extra: Rule[]) {
  return conflict(
    `Security group ${group.GroupId} (${setting(ctx.config, 'securityGroupName')})`,
    differencesOf({ missing, extra }),
    'psc-bridge wants only egress TCP and UDP 53 toward the GCP subnets and no ingress. ' +
      'Change the group to that, or choose another --security-group-name.',
  );
}

function result(
  action: ApplyResult['action'],
  ownership: ApplyResult['ownership'],
  group: SecurityGroup,
  notes: string[] = [],
): ApplyResult {
  const id = group.GroupId ?? '';
  return {
    action,
    ownership,
    resources: { securityGroup: id },
    outputs: { securityGroupId: id },
    ...(notes.length > 0 ? { notes } : {}),
  };
}

// ---------------------------------------------------------------------------------------
// Act

async function create(ctx: AwsContext, cidrs: string[]): Promise<ApplyResult> {
  await ctx.token('create');
  const made = await createGroup(ctx);
  if (typeof made !== 'string') {
    const { missing, extra } = compareRules(made, cidrs);
    return complete(ctx, made, missing, extra);
  }
  const groupId = made;
  await ctx.checkpoint({ resources: { securityGroup: groupId } });
  await allowDns(ctx, groupId, wantedRules(cidrs));
  await revokeAllowAll(ctx, groupId, ALLOW_ALL);
  return result('created', 'created', { GroupId: groupId });
}

/** Our own group: finish what a crashed run left undone, or confirm nothing is left. */
async function complete(
  ctx: AwsContext,
  group: SecurityGroup,
  missing: Rule[],
  extra: Rule[],
): Promise<ApplyResult> {
  if (!extra.every(isAllowAll)) throw refusal(ctx, group, missing, extra);
  const groupId = group.GroupId ?? '';
  const wasDone = ctx.record.ownership === 'created';
  if (missing.length === 0 && extra.length === 0) {
    return result(wasDone ? 'unchanged' : 'created', 'created', group);
  }
  if (!ctx.record.resources.securityGroup) {
    await ctx.checkpoint({ resources: { securityGroup: groupId } });
  }
  await allowDns(ctx, groupId, missing);
  await revokeAllowAll(
    ctx,
    groupId,
    extra.map((rule) => rule.peer),
  );
  return result(wasDone ? 'updated' : 'created', 'created', group);
}

/**
 * Creates the group and returns its id; or, when a first attempt made it but its answer was
 * lost (the SDK's retry, or a call repeated), returns the group that attempt made.
 */
async function createGroup(ctx: AwsContext): Promise<string | SecurityGroup> {
  const { CreateSecurityGroupCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await ctx.services.ec2();
  const name = setting(ctx.config, 'securityGroupName');
  try {
    const answer = await call('ec2:CreateSecurityGroup', name, () =>
      ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: name,
          Description: DESCRIPTION,
          VpcId: setting(ctx.config, 'vpcId'),
          TagSpecifications: [{ ResourceType: 'security-group', Tags: ownTags(name) }],
        }),
      ),
    );
    if (!answer.GroupId) throw new Error('CreateSecurityGroup answered without a GroupId');
    return answer.GroupId;
  } catch (error) {
    if (!hasCode(error, 'InvalidGroup.Duplicate')) throw error;
    // apply looked a moment ago and found no such group. One that is there now with our tag,
    // while the state holds the token taken before this call, is the one the call made (the
    // API has no idempotency token, so the tag is the mark). Anyone else's: the error stands.
    const group = await byName(ctx);
    if (group?.GroupId && ctx.record.tokens.create !== undefined && hasOwnTag(group.Tags)) {
      return group;
    }
    throw error;
  }
}

/**
 * Adds the DNS rules. `InvalidPermission.Duplicate` means some are there already (a call
 * whose first attempt went through, its answer lost); the call adds all its rules or none,
 * so they are then added one at a time, each one already there counting as done.
 */
async function allowDns(ctx: AwsContext, groupId: string, rules: Rule[]): Promise<void> {
  if (rules.length === 0) return;
  try {
    await authorize(ctx, groupId, rules);
  } catch (error) {
    if (!hasCode(error, 'InvalidPermission.Duplicate')) throw error;
    if (rules.length === 1) return;
    for (const rule of rules) await allowDns(ctx, groupId, [rule]);
  }
}

async function authorize(ctx: AwsContext, groupId: string, rules: Rule[]): Promise<void> {
  const { AuthorizeSecurityGroupEgressCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await ctx.services.ec2();
  const permissions: IpPermission[] = rules.map((rule) => ({
    IpProtocol: rule.protocol,
    FromPort: rule.from,
    ToPort: rule.to,
    IpRanges: [{ CidrIp: rule.peer, Description: 'DNS to the GCP inbound forwarders' }],
  }));
  await call('ec2:AuthorizeSecurityGroupEgress', groupId, () =>
    ec2.send(
      new AuthorizeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: permissions }),
    ),
  );
}

/** Removes the allow-all egress rules for these CIDRs; one already gone is fine. */
async function revokeAllowAll(ctx: AwsContext, groupId: string, peers: string[]): Promise<void> {
  const { RevokeSecurityGroupEgressCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await ctx.services.ec2();
  for (const peer of peers) {
    const range = peer.includes(':')
      ? { Ipv6Ranges: [{ CidrIpv6: peer }] }
      : {
          IpRanges: [{ CidrIp: peer }],
        };
    try {
      await call('ec2:RevokeSecurityGroupEgress', groupId, () =>
        ec2.send(
          new RevokeSecurityGroupEgressCommand({
            GroupId: groupId,
            IpPermissions: [{ IpProtocol: '-1', ...range }],
          }),
        ),
      );
    } catch (error) {
      if (!hasCode(error, 'InvalidPermission.NotFound')) throw error;
    }
  }
}

/**
 * Deletes the group, retrying while something still uses it (the endpoint's network
 * interfaces linger a little after the endpoint is gone); then names what holds it.
 */
async function deleteWhenFree(ctx: AwsContext, groupId: string): Promise<void> {
  const { DeleteSecurityGroupCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await ctx.services.ec2();
  const attempt = async (elapsedMs: number) => {
    try {
      await call('ec2:DeleteSecurityGroup', groupId, () =>
        ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })),
      );
      return true;
    } catch (error) {
      if (hasCode(error, 'InvalidGroup.NotFound')) return true;
      if (!hasCode(error, 'DependencyViolation')) throw error;
      ctx.progress(`IN USE, retrying ${elapsedText(elapsedMs)}`);
      return undefined;
    }
  };
  try {
    await waitFor(ctx, `security group ${groupId} to be free`, FREE_TIMEOUT_MS, attempt);
  } catch (error) {
    if (hasCode(error, 'TIMEOUT')) throw await stillInUse(ctx, groupId);
    throw error;
  }
}

async function stillInUse(ctx: AwsContext, groupId: string): Promise<CloudError> {
  const { DescribeNetworkInterfacesCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await ctx.services.ec2();
  const answer = await call('ec2:DescribeNetworkInterfaces', groupId, () =>
    ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'group-id', Values: [groupId] }],
      }),
    ),
  );
  const users = (answer.NetworkInterfaces ?? []).map(
    (eni) =>
      `  ${eni.NetworkInterfaceId} (${eni.Description || eni.InterfaceType || 'no description'})`,
  );
  return new CloudError(
    'DependencyViolation',
    `Security group ${groupId} is still in use and cannot be deleted. ` +
      (users.length > 0
        ? `Network interfaces using it:\n${users.join('\n')}`
        : 'No network interface uses it now, but another group may reference it in a rule.'),
    { cloud: 'aws', api: 'ec2:DeleteSecurityGroup', resource: groupId },
    'Delete what uses it (for a Route 53 Resolver interface, its endpoint), then run teardown ' +
      'again.',
  );
}

// ---------------------------------------------------------------------------------------
// Plan

function applyCommands(config: Readonly<PartialConfig>): string[] {
  const name = shown(config, 'securityGroupName');
  return [
    // Every subnet of the network in the region, as the step allows DNS toward each.
    `GCP_CIDRS=$(gcloud compute networks subnets list --project ${shown(config, 'gcpProject')} ` +
      `--regions ${shown(config, 'gcpRegion')} ` +
      `--filter=${sh(`network~/${config.gcpNetwork ?? '<gcpNetwork>'}$`)} ` +
      `--format='value(ipCidrRange)')`,
    `SG_ID=$(${awsLine(
      config,
      'ec2 create-security-group',
      `--group-name ${name}`,
      `--description ${sh(DESCRIPTION)}`,
      `--vpc-id ${shown(config, 'vpcId')}`,
      `--tag-specifications ${sh(
        'ResourceType=security-group,Tags=[{Key=managed-by,Value=psc-bridge},' +
          `{Key=Name,Value=${config.securityGroupName ?? '<securityGroupName>'}}]`,
      )}`,
      '--query GroupId --output text',
    )})`,
    `for GCP_CIDR in $GCP_CIDRS; do ${awsLine(
      config,
      'ec2 authorize-security-group-egress --group-id "$SG_ID" --ip-permissions',
      dnsPermission('tcp'),
      dnsPermission('udp'),
    )} >/dev/null; done`,
    awsLine(
      config,
      'ec2 revoke-security-group-egress --group-id "$SG_ID"',
      `--ip-permissions ${sh('IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]')}`,
    ),
    '# In a VPC with IPv6 the group also allows all egress to ::/0: revoke it likewise, ' +
      `with ${sh('IpProtocol=-1,Ipv6Ranges=[{CidrIpv6=::/0}]')}.`,
  ];
}

/** The permission in shorthand, double-quoted so the shell expands $GCP_CIDR. */
function dnsPermission(protocol: string): string {
  return `"IpProtocol=${protocol},FromPort=53,ToPort=53,IpRanges=[{CidrIp=$GCP_CIDR}]"`;
}

function destroyCommands(config: Readonly<PartialConfig>): string[] {
  return [
    `SG_ID=$(${awsLine(
      config,
      'ec2 describe-security-groups',
      `--filters Name=vpc-id,Values=${shown(config, 'vpcId')}`,
      `Name=group-name,Values=${shown(config, 'securityGroupName')}`,
      `--query 'SecurityGroups[0].GroupId' --output text`,
    )})`,
    "# The endpoint's network interfaces can linger for minutes after it is gone: while this " +
      'answers DependencyViolation, wait and run it again.',
    awsLine(config, 'ec2 delete-security-group --group-id "$SG_ID"'),
  ];
}
