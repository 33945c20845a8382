import type { AwsContext } from './common.js';
import { parseIpv4 } from './ip.js';
import { advanceAws, LATENCY_MS } from './lifecycle.js';
import {
  associationJson,
  checkName,
  filterBy,
  type Input,
  type Json,
  page,
  ResolverError,
  readResolverFilters,
  readTagList,
  resolverArn,
  ruleJson,
} from './resolver-common.js';
import { findEndpoint } from './resolver-endpoints.js';
import type { ResolverRule, RuleAssociation, TargetAddress } from './world.js';

const RULE_TYPES = ['FORWARD', 'SYSTEM', 'RECURSIVE', 'DELEGATE'] as const;

/**
 * The rule every account has: recursive resolution of `.`, associated with every VPC. It shows
 * in the List calls like on AWS and can be neither deleted nor disassociated.
 */
export const AUTODEFINED_RULE_ID = 'rslvr-autodefined-rr-internet-resolver';

function autodefinedRule(ctx: AwsContext): Json {
  return {
    Id: AUTODEFINED_RULE_ID,
    CreatorRequestId: '',
    Arn: `arn:aws:route53resolver:${ctx.regionName}::autodefined-rule/${AUTODEFINED_RULE_ID}`,
    DomainName: '.',
    Status: 'COMPLETE',
    RuleType: 'RECURSIVE',
    Name: 'Internet Resolver',
    OwnerId: 'Route 53 Resolver',
    ShareStatus: 'NOT_SHARED',
  };
}

function autodefinedAssociation(vpcId: string): Json {
  return {
    Id: `rslvr-autodefined-assoc-${vpcId}-internet-resolver`,
    ResolverRuleId: AUTODEFINED_RULE_ID,
    Name: 'System Rule Association',
    VPCId: vpcId,
    Status: 'COMPLETE',
    StatusMessage: '',
  };
}

export function withTrailingDot(domain: string): string {
  return domain.endsWith('.') ? domain : `${domain}.`;
}

export function findRule(ctx: AwsContext, id: string): ResolverRule {
  const rule = ctx.region.resolverRules.find((each) => each.id === id);
  if (!rule) {
    throw new ResolverError(
      'ResourceNotFoundException',
      `[RSLVR-00703] Resolver rule with ID "${id}" does not exist.`,
      { ResourceType: 'ResolverRule' },
    );
  }
  return rule;
}

function readTargets(input: Input): TargetAddress[] {
  return (input.objects('TargetIps') ?? []).map((target) => {
    const ip = target.optionalString('Ip', 36);
    if (ip === undefined || parseIpv4(ip) === undefined) {
      throw new ResolverError('InvalidParameterException', `Invalid IP address: '${ip ?? ''}'`, {
        FieldName: 'TargetIps',
      });
    }
    const port = target.optionalInt('Port') ?? 53;
    if (port < 0 || port > 65535) {
      throw new ResolverError(
        'ValidationException',
        "1 validation error detected: Value at 'targetIps.member.port' failed to satisfy " +
          'constraint: Member must have value less than or equal to 65535',
      );
    }
    const protocol = target.optionalString('Protocol');
    return { Ip: ip, Port: port, ...(protocol ? { Protocol: protocol } : {}) };
  });
}

function checkForwarding(
  ctx: AwsContext,
  type: string,
  targets: TargetAddress[],
  endpointId?: string,
): void {
  if (type !== 'FORWARD') {
    if (targets.length || endpointId) {
      throw new ResolverError(
        'InvalidRequestException',
        `TargetIps and ResolverEndpointId can only be set on FORWARD rules, not ${type}`,
      );
    }
    return;
  }
  if (targets.length === 0) {
    throw new ResolverError('InvalidRequestException', 'A FORWARD rule requires TargetIps');
  }
  if (!endpointId) {
    throw new ResolverError(
      'InvalidRequestException',
      'A FORWARD rule requires ResolverEndpointId',
    );
  }
  const endpoint = findEndpoint(ctx, endpointId);
  if (endpoint.direction !== 'OUTBOUND') {
    throw new ResolverError(
      'InvalidRequestException',
      `Resolver endpoint '${endpointId}' is not an OUTBOUND endpoint`,
    );
  }
  if (endpoint.status === 'DELETING') {
    throw new ResolverError(
      'InvalidRequestException',
      `Resolver endpoint '${endpointId}' is being deleted`,
    );
  }
}

export function createResolverRule(ctx: AwsContext, input: Input): Json {
  const creatorRequestId = input.string('CreatorRequestId');
  const name = input.optionalString('Name', 64);
  checkName(name);
  const ruleType = input.enumOf('RuleType', RULE_TYPES);
  if (ruleType === 'DELEGATE') {
    throw new ResolverError('InvalidRequestException', 'DELEGATE rules are not emulated');
  }
  const domain = input.optionalString('DomainName', 256);
  const targets = readTargets(input);
  const endpointId = input.optionalString('ResolverEndpointId', 64);
  const tags = readTagList(input);
  if (ctx.region.resolverRules.some((rule) => rule.creatorRequestId === creatorRequestId)) {
    throw new ResolverError(
      'ResourceExistsException',
      `Resolver rule with creator request ID '${creatorRequestId}' already exists`,
      { ResourceType: 'ResolverRule' },
    );
  }
  if (!domain) {
    throw new ResolverError(
      'InvalidRequestException',
      `DomainName is required for ${ruleType} rules`,
    );
  }
  checkForwarding(ctx, ruleType, targets, endpointId);
  const id = `rslvr-rr-${ctx.env.hex(17)}`;
  const rule: ResolverRule = {
    id,
    arn: resolverArn(ctx, 'resolver-rule', id),
    creatorRequestId,
    ...(name === undefined ? {} : { name }),
    domainName: withTrailingDot(domain),
    ruleType,
    targetIps: targets,
    ...(endpointId ? { resolverEndpointId: endpointId } : {}),
    status: 'COMPLETE',
    statusMessage:
      `[Trace id: 1-${ctx.env.hex(8)}] ` + `Successfully created Resolver Rule with ID ${id}`,
    createdAt: ctx.now,
    modifiedAt: ctx.now,
    tags,
  };
  ctx.region.resolverRules.push(rule);
  return { ResolverRule: ruleJson(rule, ctx.accountId) };
}

export function getResolverRule(ctx: AwsContext, input: Input): Json {
  const id = input.string('ResolverRuleId', 64);
  if (id === AUTODEFINED_RULE_ID) return { ResolverRule: autodefinedRule(ctx) };
  return { ResolverRule: ruleJson(findRule(ctx, id), ctx.accountId) };
}

export function deleteResolverRule(ctx: AwsContext, input: Input): Json {
  const id = input.string('ResolverRuleId', 64);
  if (id === AUTODEFINED_RULE_ID) {
    throw new ResolverError('InvalidRequestException', 'Cannot delete an auto defined rule');
  }
  const rule = findRule(ctx, id);
  const vpcs = ctx.region.ruleAssociations.filter((a) => a.ruleId === rule.id).map((a) => a.vpcId);
  if (vpcs.length > 0) {
    throw new ResolverError(
      'ResourceInUseException',
      `Please disassociate this resolver rule from VPC(s) ${vpcs.join(', ')} before deleting it`,
      { ResourceType: 'ResolverRule' },
    );
  }
  if (rule.status !== 'DELETING') {
    rule.status = 'DELETING';
    rule.statusMessage = `[Trace id: 1-${ctx.env.hex(8)}] Deleting Resolver Rule`;
    rule.modifiedAt = ctx.now;
    rule.goneAt = ctx.now + ctx.env.work(LATENCY_MS.ruleDelete);
  }
  const answer = { ResolverRule: ruleJson(rule, ctx.accountId) };
  advanceAws(ctx.world, ctx.now);
  return answer;
}

export function listResolverRules(ctx: AwsContext, input: Input): Json {
  const own = ctx.region.resolverRules.map((rule) => ruleJson(rule, ctx.accountId));
  const all = ctx.region.vpcs.length ? [autodefinedRule(ctx), ...own] : own;
  const text = (rule: Json, key: string) =>
    typeof rule[key] === 'string' ? [rule[key] as string] : [];
  const matching = filterBy(all, readResolverFilters(input), {
    CreatorRequestId: (r) => text(r, 'CreatorRequestId'),
    DomainName: (r) => text(r, 'DomainName'),
    Name: (r) => text(r, 'Name'),
    ResolverEndpointId: (r) => text(r, 'ResolverEndpointId'),
    Status: (r) => text(r, 'Status'),
    Type: (r) => text(r, 'RuleType'),
    RuleType: (r) => text(r, 'RuleType'),
  });
  const { items, extra } = page(matching, input);
  return { ...extra, ResolverRules: items };
}

export function associateResolverRule(ctx: AwsContext, input: Input): Json {
  const ruleId = input.string('ResolverRuleId', 64);
  const vpcId = input.string('VPCId', 64);
  const name = input.optionalString('Name', 64);
  checkName(name);
  const rule = findRule(ctx, ruleId);
  if (!ctx.region.vpcs.some((vpc) => vpc.id === vpcId)) {
    throw new ResolverError('InvalidParameterException', `The vpc ID '${vpcId}' does not exist`, {
      FieldName: 'VPCId',
    });
  }
  if (rule.status === 'DELETING') {
    throw new ResolverError(
      'InvalidRequestException',
      `Resolver rule '${rule.id}' is being deleted`,
    );
  }
  const conflict = ctx.region.ruleAssociations.find(
    (a) => a.vpcId === vpcId && findRule(ctx, a.ruleId).domainName === rule.domainName,
  );
  if (conflict) {
    throw new ResolverError(
      'InvalidRequestException',
      '[RSLVR-00802] Cannot associate rules with same domain name with same VPC. ' +
        `Conflict with resolver rule '${conflict.ruleId}'`,
    );
  }
  const association: RuleAssociation = {
    id: `rslvr-rrassoc-${ctx.env.hex(17)}`,
    ruleId,
    vpcId,
    ...(name === undefined ? {} : { name }),
    status: 'CREATING',
    statusMessage: `[Trace id: 1-${ctx.env.hex(8)}] Creating Association`,
    readyAt: ctx.now + ctx.env.work(LATENCY_MS.associationCreate),
  };
  ctx.region.ruleAssociations.push(association);
  advanceAws(ctx.world, ctx.now);
  return { ResolverRuleAssociation: associationJson(association) };
}

export function disassociateResolverRule(ctx: AwsContext, input: Input): Json {
  const ruleId = input.string('ResolverRuleId', 64);
  const vpcId = input.string('VPCId', 64);
  if (ruleId === AUTODEFINED_RULE_ID) {
    throw new ResolverError(
      'InvalidRequestException',
      '[RSLVR-00713] Cannot disassociate an auto defined rule from a VPC',
    );
  }
  findRule(ctx, ruleId);
  const association = ctx.region.ruleAssociations.find(
    (a) => a.ruleId === ruleId && a.vpcId === vpcId,
  );
  if (!association) {
    throw new ResolverError(
      'ResourceNotFoundException',
      `Resolver Rule Association between Resolver Rule '${ruleId}' and VPC '${vpcId}' ` +
        'does not exist',
      { ResourceType: 'ResolverRuleAssociation' },
    );
  }
  if (association.status !== 'DELETING') {
    association.status = 'DELETING';
    association.statusMessage = `[Trace id: 1-${ctx.env.hex(8)}] Deleting Association`;
    association.goneAt = ctx.now + ctx.env.work(LATENCY_MS.associationDelete);
    delete association.readyAt;
  }
  const answer = { ResolverRuleAssociation: associationJson(association) };
  advanceAws(ctx.world, ctx.now);
  return answer;
}

export function getResolverRuleAssociation(ctx: AwsContext, input: Input): Json {
  const id = input.string('ResolverRuleAssociationId', 64);
  const auto = ctx.region.vpcs
    .map((vpc) => autodefinedAssociation(vpc.id))
    .find((a) => a.Id === id);
  if (auto) return { ResolverRuleAssociation: auto };
  const association = ctx.region.ruleAssociations.find((each) => each.id === id);
  if (!association) {
    throw new ResolverError(
      'ResourceNotFoundException',
      `ResolverRuleAssociation '${id}' does not Exist`,
      { ResourceType: 'ResolverRuleAssociation' },
    );
  }
  return { ResolverRuleAssociation: associationJson(association) };
}

export function listResolverRuleAssociations(ctx: AwsContext, input: Input): Json {
  const all = [
    ...ctx.region.vpcs.map((vpc) => autodefinedAssociation(vpc.id)),
    ...ctx.region.ruleAssociations.map(associationJson),
  ];
  const text = (a: Json, key: string) => (typeof a[key] === 'string' ? [a[key] as string] : []);
  const matching = filterBy(all, readResolverFilters(input), {
    Name: (a) => text(a, 'Name'),
    ResolverRuleId: (a) => text(a, 'ResolverRuleId'),
    Status: (a) => text(a, 'Status'),
    VPCId: (a) => text(a, 'VPCId'),
  });
  const { items, extra } = page(matching, input);
  return { ...extra, ResolverRuleAssociations: items };
}
