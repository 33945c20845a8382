import type {
  Filter,
  ResolverRule,
  ResolverRuleAssociation,
  TargetAddress,
} from '@aws-sdk/client-route53resolver';
import type { PartialConfig } from '../../config/fields.js';
import { CloudError, UserError } from '../../errors.js';
import { stepInfo } from '../catalog.js';
import type { CloudStep } from '../load.js';
import { conflict, diff } from '../shared.js';
import type { ApplyResult, DestroyResult, Difference, Inspection } from '../types.js';
import {
  type AwsContext,
  actionFor,
  allPages,
  awsLine,
  bareDomain,
  call,
  elapsedText,
  hasCode,
  outputOf,
  ownTags,
  requireOutput,
  SECONDS_LONG,
  setting,
  sh,
  shown,
  tagWords,
  unlessNotFound,
  untilLine,
  waitFor,
  waitGone,
  whileThereLine,
} from './common.js';

export const DOMAIN = 'googleapis.com.';
const PORT = 53;
const WAIT_MS = 5 * 60_000;

interface Wanted {
  name: string;
  endpointId: string | undefined;
  /** `ip:port`, sorted; undefined while create-policy has recorded none (inspect only). */
  targets: string[] | undefined;
}

export const step: CloudStep = {
  ...stepInfo('create-rule'),
  cloud: 'aws',

  async inspect(ctx): Promise<Inspection> {
    const want = wanted(ctx);
    const rule = await findRule(ctx, want.endpointId);
    if (!rule?.Id) return { presence: 'absent', resources: {}, differences: [] };
    const differences = compare(rule, want);
    return {
      presence: differences.length === 0 ? 'present' : 'drifted',
      resources: { resolverRule: rule.Id },
      differences,
    };
  },

  async apply(ctx): Promise<ApplyResult> {
    const want = wanted(ctx);
    const endpointId = requireOutput(ctx, 'create-resolver-endpoint', 'resolverEndpointId');
    const targets = requireTargets(ctx, want);
    const found = await findRule(ctx, endpointId);
    if (found) refuseIfDifferent(found, { ...want, endpointId, targets });

    const ours = found === undefined || isOurs(ctx, found);
    const id = found?.Id ?? (await createRule(ctx, want.name, endpointId, targets));
    if (found?.Status !== 'COMPLETE') await waitComplete(ctx, id);

    const adopted = `Adopted the existing rule ${id}; teardown will leave it in place.`;
    return {
      action: actionFor(ctx, found !== undefined, ours),
      ownership: ours ? 'created' : 'adopted',
      resources: { resolverRule: id },
      outputs: { resolverRuleId: id },
      ...(ours ? {} : { notes: [adopted] }),
    };
  },

  async destroy(ctx): Promise<DestroyResult> {
    const endpointId = outputOf(ctx, 'create-resolver-endpoint', 'resolverEndpointId');
    const rule = await findRule(ctx, endpointId);
    if (!rule?.Id) return { action: 'absent' };
    if (!isOurs(ctx, rule)) {
      return {
        action: 'kept',
        notes: [`Left resolver rule ${rule.Id} in place: psc-bridge did not create it.`],
      };
    }
    const id = rule.Id;
    await waitUnassociated(ctx, id);
    await deleteRule(ctx, id);
    await waitGone(ctx, `resolver rule ${id}`, WAIT_MS, () => getRule(ctx, id), SECONDS_LONG);
    return { action: 'deleted' };
  },

  commands(config, direction) {
    return direction === 'apply' ? applyCommands(config) : destroyCommands(config);
  },
};

// ---------------------------------------------------------------------------------------
// Read

function wanted(ctx: AwsContext): Wanted {
  const forwarders = ctx.outputs('create-policy').forwarders;
  const region = setting(ctx.config, 'gcpRegion');
  const ips =
    typeof forwarders === 'object' && forwarders !== null
      ? (forwarders as Record<string, unknown>)[region]
      : undefined;
  const list = Array.isArray(ips) ? ips.filter((ip): ip is string => typeof ip === 'string') : [];
  return {
    name: setting(ctx.config, 'resolverRuleName'),
    endpointId: outputOf(ctx, 'create-resolver-endpoint', 'resolverEndpointId'),
    targets: list.length > 0 ? list.map((ip) => `${ip}:${PORT}`).sort() : undefined,
  };
}

function requireTargets(ctx: AwsContext, want: Wanted): string[] {
  if (want.targets) return want.targets;
  const region = setting(ctx.config, 'gcpRegion');
  throw new UserError(
    'NO_FORWARDERS',
    `create-policy has recorded no inbound DNS forwarder address in ${region}, so the rule ` +
      'would have nowhere to forward googleapis.com. to.',
    `Run \`psc-bridge create-policy\`, and check that the GCP network ` +
      `${ctx.config.gcpNetwork ?? '(--gcp-network)'} has a subnet in ${region}.`,
  );
}

/**
 * The rule recorded in the state; else the one made with this step's token (a crash between
 * the create call and the checkpoint); else a FORWARD rule for googleapis.com. on the endpoint.
 */
async function findRule(ctx: AwsContext, endpointId: string | undefined) {
  const recorded = ctx.record.resources.resolverRule;
  const token = ctx.record.tokens.create;
  let rule = recorded ? await getRule(ctx, recorded) : undefined;
  if (!rule && token) {
    [rule] = await listRules(ctx, [{ Name: 'CreatorRequestId', Values: [token] }]);
  }
  if (!rule && endpointId) {
    const onEndpoint = await listRules(ctx, [{ Name: 'ResolverEndpointId', Values: [endpointId] }]);
    // Compared without trailing dots: moto stores `googleapis.com.` as `googleapis.com..`.
    rule = onEndpoint.find(
      (each) => each.RuleType === 'FORWARD' && bareDomain(each.DomainName) === bareDomain(DOMAIN),
    );
  }
  return rule;
}

async function getRule(ctx: AwsContext, id: string): Promise<ResolverRule | undefined> {
  const { GetResolverRuleCommand } = await import('@aws-sdk/client-route53resolver');
  const resolver = await ctx.services.resolver();
  const answer = await unlessNotFound(
    call('route53resolver:GetResolverRule', id, () =>
      resolver.send(new GetResolverRuleCommand({ ResolverRuleId: id })),
    ),
  );
  return answer?.ResolverRule;
}

async function listRules(ctx: AwsContext, filters: Filter[]): Promise<ResolverRule[]> {
  const { ListResolverRulesCommand } = await import('@aws-sdk/client-route53resolver');
  const resolver = await ctx.services.resolver();
  return allPages(async (next) => {
    const answer = await call('route53resolver:ListResolverRules', undefined, () =>
      resolver.send(new ListResolverRulesCommand({ Filters: filters, NextToken: next })),
    );
    return { items: answer.ResolverRules, next: answer.NextToken };
  });
}

async function listAssociations(ctx: AwsContext, ruleId: string) {
  const { ListResolverRuleAssociationsCommand } = await import('@aws-sdk/client-route53resolver');
  const resolver = await ctx.services.resolver();
  const filters = [{ Name: 'ResolverRuleId', Values: [ruleId] }];
  return allPages<ResolverRuleAssociation>(async (next) => {
    const answer = await call('route53resolver:ListResolverRuleAssociations', ruleId, () =>
      resolver.send(new ListResolverRuleAssociationsCommand({ Filters: filters, NextToken: next })),
    );
    return { items: answer.ResolverRuleAssociations, next: answer.NextToken };
  });
}

/** Ours: recorded as created (or checkpointed mid-create), or made with our token. */
function isOurs(ctx: AwsContext, rule: ResolverRule): boolean {
  const { record } = ctx;
  if (record.ownership === 'adopted') return false;
  if (record.resources.resolverRule === rule.Id) return true;
  return record.tokens.create !== undefined && record.tokens.create === rule.CreatorRequestId;
}

// ---------------------------------------------------------------------------------------
// Decide

function targetsOf(rule: ResolverRule): string[] {
  return (rule.TargetIps ?? [])
    .map((t: TargetAddress) => `${t.Ip ?? t.Ipv6}:${t.Port ?? PORT}`)
    .sort();
}

function compare(rule: ResolverRule, want: Wanted): Difference[] {
  const targets = targetsOf(rule).join(', ');
  return diff({
    domainName: [DOMAIN, `${bareDomain(rule.DomainName)}.`],
    ruleType: ['FORWARD', rule.RuleType],
    resolverEndpointId: [want.endpointId ?? rule.ResolverEndpointId, rule.ResolverEndpointId],
    targetIps: [want.targets?.join(', ') ?? targets, targets],
  });
}

function refuseIfDifferent(rule: ResolverRule, want: Wanted): void {
  const differences = compare(rule, want);
  if (rule.Status === 'DELETING' || rule.Status === 'FAILED') {
    differences.push({ field: 'status', expected: 'COMPLETE', actual: rule.Status });
  }
  if (differences.length === 0) return;
  throw conflict(
    `Resolver rule ${rule.Id} (${rule.Name ?? 'no name'}) for ${DOMAIN}`,
    differences,
    'Point the rule at the GCP inbound forwarders (aws route53resolver update-resolver-rule), ' +
      'or delete it so psc-bridge can create its own.',
  );
}

// ---------------------------------------------------------------------------------------
// Act

async function createRule(
  ctx: AwsContext,
  name: string,
  endpointId: string,
  targets: string[],
): Promise<string> {
  const token = await ctx.token('create');
  const { CreateResolverRuleCommand } = await import('@aws-sdk/client-route53resolver');
  const resolver = await ctx.services.resolver();
  let id: string | undefined;
  try {
    const answer = await call('route53resolver:CreateResolverRule', name, () =>
      resolver.send(
        new CreateResolverRuleCommand({
          CreatorRequestId: token,
          Name: name,
          RuleType: 'FORWARD',
          DomainName: DOMAIN,
          ResolverEndpointId: endpointId,
          TargetIps: targets.map((target) => {
            const [Ip, port] = target.split(':');
            return { Ip, Port: Number(port) };
          }),
          Tags: ownTags(name),
        }),
      ),
    );
    id = answer.ResolverRule?.Id;
  } catch (error) {
    // A retried call whose first attempt went through: the rule is there under our token.
    if (!hasCode(error, 'ResourceExistsException')) throw error;
    const [mine] = await listRules(ctx, [{ Name: 'CreatorRequestId', Values: [token] }]);
    if (!mine?.Id) throw error;
    id = mine.Id;
  }
  if (!id) throw new Error('CreateResolverRule answered without an Id');
  await ctx.checkpoint({ resources: { resolverRule: id } });
  return id;
}

async function waitComplete(ctx: AwsContext, id: string): Promise<void> {
  await waitFor(
    ctx,
    `resolver rule ${id} to be COMPLETE`,
    WAIT_MS,
    async (ms) => {
      const rule = await getRule(ctx, id);
      const status = rule?.Status ?? 'GONE';
      if (status === 'COMPLETE') return true;
      if (status === 'UPDATING') {
        ctx.progress(`${status} ${elapsedText(ms)}`);
        return undefined;
      }
      throw new CloudError(
        'RULE_NOT_COMPLETE',
        `Resolver rule ${id} is ${status}${rule?.StatusMessage ? `: ${rule.StatusMessage}` : ''}.`,
        { cloud: 'aws', api: 'route53resolver:GetResolverRule', resource: id },
        'Look at the rule in the Route 53 Resolver console, fix or delete it, and run again.',
      );
    },
    SECONDS_LONG,
  );
}

/**
 * Waits while associations are on their way out; refuses when any stays (another VPC, or
 * ours when the associate step did not remove it).
 */
async function waitUnassociated(ctx: AwsContext, id: string): Promise<void> {
  await waitFor(
    ctx,
    `resolver rule ${id} to lose its associations`,
    WAIT_MS,
    async (ms) => {
      const associations = await listAssociations(ctx, id);
      if (associations.length === 0) return true;
      const staying = associations.filter((a) => a.Status !== 'DELETING');
      if (staying.length > 0) throw stillAssociated(ctx, id, staying);
      ctx.progress(`waiting for ${associations.length} association(s) to go ${elapsedText(ms)}`);
      return undefined;
    },
    SECONDS_LONG,
  );
}

function stillAssociated(
  ctx: AwsContext,
  id: string,
  staying: ResolverRuleAssociation[],
): UserError {
  const vpcs = staying.map((a) => a.VPCId ?? '?');
  const ours = setting(ctx.config, 'vpcId');
  const others = vpcs.filter((vpc) => vpc !== ours);
  return new UserError(
    'RULE_IN_USE',
    `Resolver rule ${id} is still associated with ${vpcs.join(', ')}, so it cannot be deleted.`,
    others.length > 0
      ? `Disassociate it from ${others.join(', ')} (aws route53resolver ` +
          `disassociate-resolver-rule --resolver-rule-id ${id} --vpc-id <vpc>), then run again.`
      : 'Run `psc-bridge associate --destroy` first.',
  );
}

async function deleteRule(ctx: AwsContext, id: string): Promise<void> {
  const { DeleteResolverRuleCommand } = await import('@aws-sdk/client-route53resolver');
  const resolver = await ctx.services.resolver();
  try {
    await call('route53resolver:DeleteResolverRule', id, () =>
      resolver.send(new DeleteResolverRuleCommand({ ResolverRuleId: id })),
    );
  } catch (error) {
    if (!hasCode(error, 'ResourceNotFoundException')) throw error;
  }
}

// ---------------------------------------------------------------------------------------
// Plan

function applyCommands(config: Readonly<PartialConfig>): string[] {
  const region = config.gcpRegion ?? '<gcpRegion>';
  return [
    `ENDPOINT_ID=$(${awsLine(
      config,
      'route53resolver list-resolver-endpoints',
      `--filters Name=Name,Values=${shown(config, 'resolverEndpointName')}`,
      `--query 'ResolverEndpoints[0].Id' --output text`,
    )})`,
    // Every inbound forwarder in the region, as the step targets each (one per subnet).
    `TARGET_IPS=$(gcloud compute addresses list --project ${shown(config, 'gcpProject')} ` +
      `--filter=${sh(`purpose=DNS_RESOLVER AND region:${region}`)} ` +
      `--format='value(address)' | sed 's/.*/Ip=&,Port=${PORT}/')`,
    `RULE_ID=$(${awsLine(
      config,
      'route53resolver create-resolver-rule',
      `--name ${shown(config, 'resolverRuleName')}`,
      `--rule-type FORWARD --domain-name ${DOMAIN}`,
      '--resolver-endpoint-id "$ENDPOINT_ID"',
      '--target-ips $TARGET_IPS',
      '--creator-request-id "psc-bridge-$(date +%s)"',
      `--tags ${tagWords(config.resolverRuleName ?? '<resolverRuleName>')}`,
      `--query 'ResolverRule.Id' --output text`,
    )})`,
    untilLine(
      config,
      'COMPLETE',
      'route53resolver get-resolver-rule --resolver-rule-id "$RULE_ID"',
      `--query 'ResolverRule.Status' --output text`,
    ),
  ];
}

function destroyCommands(config: Readonly<PartialConfig>): string[] {
  return [
    ruleLookup(config),
    awsLine(config, 'route53resolver delete-resolver-rule --resolver-rule-id "$RULE_ID"'),
    whileThereLine(config, 'route53resolver get-resolver-rule --resolver-rule-id "$RULE_ID"'),
  ];
}

/** `RULE_ID=$(...)`: finds the rule by its name; the associate step's lines use it too. */
export function ruleLookup(config: Readonly<PartialConfig>): string {
  return `RULE_ID=$(${awsLine(
    config,
    'route53resolver list-resolver-rules',
    `--filters Name=Name,Values=${shown(config, 'resolverRuleName')}`,
    `--query 'ResolverRules[0].Id' --output text`,
  )})`;
}
