import { type AwsContext, mergeTags, tagFilterValues } from './common.js';
import {
  describeRule,
  permissionsXml,
  type RuleSpec,
  readPermissions,
  ruleXml,
  sameRule,
} from './ec2-permissions.js';
import {
  applyFilters,
  itemSet,
  paginate,
  QueryError,
  type QueryView,
  readFilters,
  tag,
} from './query.js';
import type { AwsTag, SecurityGroup, SgRule, Vpc } from './world.js';

export function findVpc(ctx: AwsContext, vpcId: string): Vpc {
  const vpc = ctx.region.vpcs.find((each) => each.id === vpcId);
  if (!vpc) throw new QueryError('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
  return vpc;
}

export function findGroup(ctx: AwsContext, groupId: string): SecurityGroup {
  if (!/^sg-[0-9a-f]+$/.test(groupId)) {
    throw new QueryError(
      'InvalidGroupId.Malformed',
      `Invalid id: "${groupId}" (expecting "sg-...")`,
    );
  }
  const group = ctx.region.securityGroups.find((each) => each.id === groupId);
  if (!group) {
    throw new QueryError('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
  }
  return group;
}

/** GroupId, or GroupName looked up in the default VPC, as the EC2 API resolves them. */
function targetGroup(ctx: AwsContext, query: QueryView): SecurityGroup {
  const groupId = query.str('GroupId');
  if (groupId) return findGroup(ctx, groupId);
  const name = query.str('GroupName');
  if (!name) {
    throw new QueryError('MissingParameter', 'The request must contain the parameter groupId');
  }
  return groupByName(ctx, name);
}

/** A group named in the default VPC (the only place the EC2 API resolves plain names). */
function groupByName(ctx: AwsContext, name: string): SecurityGroup {
  const defaultVpc = ctx.region.vpcs.find((vpc) => vpc.isDefault);
  const group = ctx.region.securityGroups.find(
    (each) => each.name === name && each.vpcId === defaultVpc?.id,
  );
  if (!group) {
    throw new QueryError(
      'InvalidGroup.NotFound',
      `The security group '${name}' does not exist in default VPC '${defaultVpc?.id ?? 'none'}'`,
    );
  }
  return group;
}

export function readTagSpecifications(query: QueryView, resourceType: string): AwsTag[] {
  const tags: AwsTag[] = [];
  for (const spec of query.items('TagSpecification')) {
    const type = spec.str('ResourceType');
    if (type !== resourceType) {
      throw new QueryError(
        'InvalidParameterValue',
        `'${type ?? ''}' is not a valid taggable resource type for this operation.`,
      );
    }
    tags.push(...readTags(spec));
  }
  return tags;
}

export function readTags(query: QueryView): AwsTag[] {
  return query.items('Tag').map((item) => {
    const Key = item.str('Key');
    if (!Key) throw new QueryError('InvalidParameterValue', 'Tag keys must not be empty');
    return { Key, Value: item.str('Value') ?? '' };
  });
}

export function tagSetXml(tags: AwsTag[]): string {
  return itemSet(
    'tagSet',
    tags.map((each) => tag('key', each.Key) + tag('value', each.Value)),
  );
}

export function createSecurityGroup(ctx: AwsContext, query: QueryView): string {
  const name = required(query, 'GroupName');
  const description = required(query, 'GroupDescription');
  const vpcId = query.str('VpcId') ?? defaultVpcId(ctx);
  findVpc(ctx, vpcId);
  if (name.startsWith('sg-')) {
    throw new QueryError('InvalidParameterValue', 'Group names may not be in the format sg-*.');
  }
  if (name === 'default') {
    throw new QueryError('InvalidGroup.Reserved', 'The security group name default is reserved.');
  }
  if (ctx.region.securityGroups.some((each) => each.name === name && each.vpcId === vpcId)) {
    throw new QueryError(
      'InvalidGroup.Duplicate',
      `The security group '${name}' already exists for VPC '${vpcId}'`,
    );
  }
  const tags = readTagSpecifications(query, 'security-group');
  const group: SecurityGroup = {
    id: `sg-${ctx.env.hex(17)}`,
    name,
    description,
    vpcId,
    rules: [],
    tags,
  };
  group.rules.push({ id: ruleId(ctx), egress: true, protocol: '-1', cidrIpv4: '0.0.0.0/0' });
  ctx.region.securityGroups.push(group);
  return (
    tag('return', true) +
    tag('groupId', group.id) +
    (tags.length > 0 ? tagSetXml(tags) : '') +
    tag('securityGroupArn', groupArn(ctx, group))
  );
}

function defaultVpcId(ctx: AwsContext): string {
  const vpc = ctx.region.vpcs.find((each) => each.isDefault);
  if (!vpc) throw new QueryError('VPCIdNotSpecified', 'No default VPC for this user');
  return vpc.id;
}

function required(query: QueryView, name: string): string {
  const value = query.str(name);
  if (value === undefined || value === '') {
    throw new QueryError('MissingParameter', `The request must contain the parameter ${name}`);
  }
  return value;
}

function ruleId(ctx: AwsContext): string {
  return `sgr-${ctx.env.hex(17)}`;
}

function groupArn(ctx: AwsContext, group: SecurityGroup): string {
  return `arn:aws:ec2:${ctx.regionName}:${ctx.accountId}:security-group/${group.id}`;
}

export function authorize(egress: boolean) {
  return (ctx: AwsContext, query: QueryView): string => {
    const group = targetGroup(ctx, query);
    const specs = readPermissions(query, egress);
    if (specs.length === 0) {
      throw new QueryError(
        'MissingParameter',
        'The request must contain the parameter IpPermissions',
      );
    }
    for (const spec of specs) checkReference(ctx, spec);
    specs.forEach((spec, index) => {
      const clash =
        group.rules.some((rule) => sameRule(rule, spec)) ||
        specs.slice(0, index).some((other) => sameRule(other, spec));
      if (clash) {
        throw new QueryError(
          'InvalidPermission.Duplicate',
          `the specified rule "${describeRule(spec)}" already exists`,
        );
      }
    });
    const added: SgRule[] = specs.map((spec) => ({ id: ruleId(ctx), ...spec }));
    const tags = readTagSpecifications(query, 'security-group-rule');
    group.rules.push(...added);
    return (
      tag('return', true) +
      itemSet(
        'securityGroupRuleSet',
        added.map(
          (rule) => ruleXml(rule, group, ctx.accountId) + (tags.length ? tagSetXml(tags) : ''),
        ),
      )
    );
  };
}

function checkReference(ctx: AwsContext, spec: RuleSpec): void {
  const ref = spec.referencedGroupId;
  if (ref === undefined) return;
  const found = ctx.region.securityGroups.some((each) => each.id === ref || each.name === ref);
  if (!found) {
    throw new QueryError('InvalidGroup.NotFound', `The security group '${ref}' does not exist`);
  }
}

export function revoke(egress: boolean) {
  return (ctx: AwsContext, query: QueryView): string => {
    const group = targetGroup(ctx, query);
    const ruleIds = query.list('SecurityGroupRuleId');
    const removed = ruleIds.length
      ? revokeByIds(group, ruleIds, egress)
      : revokeBySpecs(group, readPermissions(query, egress));
    group.rules = group.rules.filter((rule) => !removed.includes(rule));
    return (
      tag('return', true) +
      itemSet(
        'revokedSecurityGroupRuleSet',
        removed.map(
          (rule) =>
            tag('securityGroupRuleId', rule.id) +
            tag('groupId', group.id) +
            tag('isEgress', rule.egress) +
            tag('ipProtocol', rule.protocol) +
            tag('fromPort', rule.fromPort ?? -1) +
            tag('toPort', rule.toPort ?? -1) +
            tag('cidrIpv4', rule.cidrIpv4) +
            tag('referencedGroupId', rule.referencedGroupId),
        ),
      )
    );
  };
}

function revokeByIds(group: SecurityGroup, ids: string[], egress: boolean): SgRule[] {
  return ids.map((id) => {
    const rule = group.rules.find((each) => each.id === id && each.egress === egress);
    if (!rule) {
      throw new QueryError(
        'InvalidSecurityGroupRuleId.NotFound',
        `The security group rule ID '${id}' does not exist`,
      );
    }
    return rule;
  });
}

function revokeBySpecs(group: SecurityGroup, specs: RuleSpec[]): SgRule[] {
  if (specs.length === 0) {
    throw new QueryError(
      'MissingParameter',
      'The request must contain the parameter IpPermissions',
    );
  }
  const matched = specs
    .map((spec) => group.rules.find((rule) => sameRule(rule, spec)))
    .filter((rule): rule is SgRule => rule !== undefined);
  if (matched.length < specs.length) {
    throw new QueryError(
      'InvalidPermission.NotFound',
      'The specified rule does not exist in this security group.',
    );
  }
  return matched;
}

export function deleteSecurityGroup(ctx: AwsContext, query: QueryView): string {
  const group = targetGroup(ctx, query);
  if (group.name === 'default') {
    throw new QueryError(
      'CannotDelete',
      `the specified group: "${group.id}" name: "default" cannot be deleted by a user`,
    );
  }
  const inUse =
    ctx.region.networkInterfaces.some((eni) => eni.groupIds.includes(group.id)) ||
    ctx.region.securityGroups.some(
      (other) => other.id !== group.id && other.rules.some((r) => r.referencedGroupId === group.id),
    );
  if (inUse) {
    throw new QueryError('DependencyViolation', `resource ${group.id} has a dependent object`);
  }
  ctx.region.securityGroups = ctx.region.securityGroups.filter((each) => each !== group);
  return tag('return', true) + tag('groupId', group.id);
}

export function describeSecurityGroups(ctx: AwsContext, query: QueryView): string {
  let groups = ctx.region.securityGroups;
  const ids = query.list('GroupId');
  if (ids.length) groups = ids.map((id) => findGroup(ctx, id));
  const names = query.list('GroupName');
  if (names.length) {
    groups = names.map((name) => groupByName(ctx, name));
  }
  const filtered = applyFilters(groups, readFilters(query), groupField);
  const page = paginate(filtered, query.int('MaxResults'), query.str('NextToken'));
  return (
    itemSet(
      'securityGroupInfo',
      page.items.map((group) => groupXml(ctx, group)),
    ) + tag('nextToken', page.nextToken)
  );
}

function groupField(group: SecurityGroup, name: string): string[] | undefined {
  const rules = (egress: boolean) => group.rules.filter((rule) => rule.egress === egress);
  const cidrs = (egress: boolean) =>
    rules(egress).flatMap((rule) => (rule.cidrIpv4 ? [rule.cidrIpv4] : []));
  switch (name) {
    case 'group-name':
      return [group.name];
    case 'group-id':
      return [group.id];
    case 'vpc-id':
      return [group.vpcId];
    case 'description':
      return [group.description];
    case 'ip-permission.cidr':
      return cidrs(false);
    case 'egress.ip-permission.cidr':
      return cidrs(true);
    case 'ip-permission.protocol':
      return rules(false).map((rule) => rule.protocol);
    case 'ip-permission.from-port':
      return rules(false).map((rule) => String(rule.fromPort ?? -1));
    case 'ip-permission.to-port':
      return rules(false).map((rule) => String(rule.toPort ?? -1));
    case 'ip-permission.group-id':
      return rules(false).flatMap((rule) =>
        rule.referencedGroupId ? [rule.referencedGroupId] : [],
      );
    default:
      return tagFilterValues(group.tags, name);
  }
}

function groupXml(ctx: AwsContext, group: SecurityGroup): string {
  const ingress = group.rules.filter((rule) => !rule.egress);
  const egress = group.rules.filter((rule) => rule.egress);
  return (
    tag('ownerId', ctx.accountId) +
    tag('groupId', group.id) +
    tag('groupName', group.name) +
    tag('groupDescription', group.description) +
    tag('vpcId', group.vpcId) +
    permissionsXml('ipPermissions', ingress, ctx.accountId) +
    permissionsXml('ipPermissionsEgress', egress, ctx.accountId) +
    (group.tags.length > 0 ? tagSetXml(group.tags) : '') +
    tag('securityGroupArn', groupArn(ctx, group))
  );
}

export function createTags(ctx: AwsContext, query: QueryView): string {
  const ids = query.list('ResourceId');
  if (ids.length === 0) {
    throw new QueryError('MissingParameter', 'The request must contain the parameter ResourceId');
  }
  const tags = readTags(query);
  const targets = ids.map((id) => taggable(ctx, id));
  for (const target of targets) {
    mergeTags(target, tags);
    if (target.length > 50) {
      throw new QueryError('TagLimitExceeded', 'The maximum number of tags (50) was exceeded.');
    }
  }
  return tag('return', true);
}

function taggable(ctx: AwsContext, id: string): AwsTag[] {
  const r = ctx.region;
  const pools: [string, string, { id: string; tags: AwsTag[] }[]][] = [
    ['sg-', 'InvalidGroup.NotFound', r.securityGroups],
    ['vpc-', 'InvalidVpcID.NotFound', r.vpcs],
    ['subnet-', 'InvalidSubnetID.NotFound', r.subnets],
    ['rtb-', 'InvalidRouteTableID.NotFound', r.routeTables],
    ['eni-', 'InvalidNetworkInterfaceID.NotFound', r.networkInterfaces],
    ['vgw-', 'InvalidVpnGatewayID.NotFound', r.vpnGateways],
  ];
  for (const [prefix, code, pool] of pools) {
    if (!id.startsWith(prefix)) continue;
    const found = pool.find((each) => each.id === id);
    if (!found) throw new QueryError(code, `The ID '${id}' does not exist`);
    return found.tags;
  }
  throw new QueryError('InvalidID', `The ID '${id}' is not valid`);
}
