import type { ResolverRule, ResolverRuleAssociation } from '@aws-sdk/client-route53resolver';
import type { PartialConfig } from '../../config/fields.js';
import { CloudError } from '../../errors.js';
import { stepInfo } from '../catalog.js';
import type { CloudStep } from '../load.js';
import { conflict } from '../shared.js';
import type { ApplyResult, DestroyResult, Inspection } from '../types.js';
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
  requireOutput,
  SECONDS_LONG,
  setting,
  sh,
  shown,
  unlessNotFound,
  untilLine,
  waitFor,
  waitGone,
} from './common.js';
import { DOMAIN, ruleLookup } from './create-rule.js';

const WAIT_MS = 10 * 60_000;

/** The error AWS answers when the VPC already has a rule for the same domain. */
const SAME_DOMAIN = /RSLVR-00802|same domain name with same VPC/;

export const step: CloudStep = {
  ...stepInfo('associate'),
  cloud: 'aws',

  async inspect(ctx): Promise<Inspection> {
    const ruleId = outputOf(ctx, 'create-rule', 'resolverRuleId');
    const found = ruleId ? await findAssociation(ctx, ruleId) : undefined;
    if (found?.Id)
      return { presence: 'present', resources: { association: found.Id }, differences: [] };
    const other = ruleId ? await otherRule(ctx, ruleId) : undefined;
    if (!other) return { presence: 'absent', resources: {}, differences: [] };
    return { presence: 'drifted', resources: {}, differences: [otherDifference(ruleId, other)] };
  },

  async apply(ctx): Promise<ApplyResult> {
    const ruleId = requireOutput(ctx, 'create-rule', 'resolverRuleId');
    const found = await findAssociation(ctx, ruleId);
    if (!found) await refuseOtherRule(ctx, ruleId);

    const ours = found === undefined || isOurs(ctx, found);
    const association = found ?? (await associate(ctx, ruleId));
    const id = association.Id ?? '';
    if (association.Status !== 'COMPLETE') await waitComplete(ctx, id);

    const adopted = `Adopted the existing association ${id}; teardown will leave it in place.`;
    return {
      action: actionFor(ctx, found !== undefined, ours),
      ownership: ours ? 'created' : 'adopted',
      resources: { association: id },
      ...(ours ? {} : { notes: [adopted] }),
    };
  },

  async destroy(ctx): Promise<DestroyResult> {
    const found = await recordedOrFound(ctx);
    if (!found?.Id) return { action: 'absent' };
    if (!isOurs(ctx, found)) {
      return {
        action: 'kept',
        notes: [`Left association ${found.Id} in place: psc-bridge did not create it.`],
      };
    }
    await disassociate(ctx, found);
    const id = found.Id;
    await waitGone(ctx, `association ${id}`, WAIT_MS, () => getAssociation(ctx, id), SECONDS_LONG);
    return { action: 'deleted' };
  },

  commands(config, direction) {
    const verb = direction === 'apply' ? 'associate' : 'disassociate';
    const named = direction === 'apply' && config.resolverRuleName;
    const name = named ? ` --name ${shown(config, 'resolverRuleName')}` : '';
    return [
      ruleLookup(config),
      awsLine(
        config,
        `route53resolver ${verb}-resolver-rule --resolver-rule-id "$RULE_ID"`,
        `--vpc-id ${shown(config, 'vpcId')}${name}`,
      ),
      direction === 'apply'
        ? untilLine(
            config,
            'COMPLETE',
            ...associationQuery(config, 'ResolverRuleAssociations[0].Status'),
          )
        : untilLine(config, '0', ...associationQuery(config, 'length(ResolverRuleAssociations)')),
    ];
  },
};

/** The words of a read of the rule's association with the VPC, printing `query`. */
function associationQuery(config: Readonly<PartialConfig>, query: string): string[] {
  return [
    'route53resolver list-resolver-rule-associations',
    `--filters Name=ResolverRuleId,Values="$RULE_ID" Name=VPCId,Values=${shown(config, 'vpcId')}`,
    `--query ${sh(query)} --output text`,
  ];
}

// ---------------------------------------------------------------------------------------
// Read

/** The association of the rule with the configured VPC, unless it is on its way out. */
async function findAssociation(
  ctx: AwsContext,
  ruleId: string,
): Promise<ResolverRuleAssociation | undefined> {
  const vpcId = setting(ctx.config, 'vpcId');
  const associations = await listAssociations(ctx, [
    { Name: 'ResolverRuleId', Values: [ruleId] },
    { Name: 'VPCId', Values: [vpcId] },
  ]);
  return associations.find(
    (a) => a.ResolverRuleId === ruleId && a.VPCId === vpcId && a.Status !== 'DELETING',
  );
}

/** For teardown: the recorded association, else the rule's association with the VPC. */
async function recordedOrFound(ctx: AwsContext): Promise<ResolverRuleAssociation | undefined> {
  const recorded = ctx.record.resources.association;
  if (recorded) {
    const association = await getAssociation(ctx, recorded);
    if (association) return association;
  }
  const ruleId = outputOf(ctx, 'create-rule', 'resolverRuleId');
  return ruleId ? findAssociation(ctx, ruleId) : undefined;
}

async function listAssociations(
  ctx: AwsContext,
  filters: { Name: string; Values: string[] }[],
): Promise<ResolverRuleAssociation[]> {
  const { ListResolverRuleAssociationsCommand } = await import('@aws-sdk/client-route53resolver');
  const resolver = await ctx.services.resolver();
  return allPages(async (next) => {
    const answer = await call('route53resolver:ListResolverRuleAssociations', undefined, () =>
      resolver.send(new ListResolverRuleAssociationsCommand({ Filters: filters, NextToken: next })),
    );
    return { items: answer.ResolverRuleAssociations, next: answer.NextToken };
  });
}

async function getAssociation(
  ctx: AwsContext,
  id: string,
): Promise<ResolverRuleAssociation | undefined> {
  const { GetResolverRuleAssociationCommand } = await import('@aws-sdk/client-route53resolver');
  const resolver = await ctx.services.resolver();
  const answer = await unlessNotFound(
    call('route53resolver:GetResolverRuleAssociation', id, () =>
      resolver.send(new GetResolverRuleAssociationCommand({ ResolverRuleAssociationId: id })),
    ),
  );
  return answer?.ResolverRuleAssociation;
}

/** Another googleapis.com. rule already associated with the VPC, which would block ours. */
async function otherRule(ctx: AwsContext, ruleId: string): Promise<ResolverRule | undefined> {
  const vpcId = setting(ctx.config, 'vpcId');
  const associated = await listAssociations(ctx, [{ Name: 'VPCId', Values: [vpcId] }]);
  const ruleIds = new Set(
    associated
      .filter((a) => a.VPCId === vpcId && a.Status !== 'DELETING')
      .map((a) => a.ResolverRuleId),
  );
  ruleIds.delete(ruleId);
  if (ruleIds.size === 0) return undefined;
  const { ListResolverRulesCommand } = await import('@aws-sdk/client-route53resolver');
  const resolver = await ctx.services.resolver();
  const rules = await allPages(async (next) => {
    const answer = await call('route53resolver:ListResolverRules', undefined, () =>
      resolver.send(new ListResolverRulesCommand({ NextToken: next })),
    );
    return { items: answer.ResolverRules, next: answer.NextToken };
  });
  return rules.find(
    (rule) => ruleIds.has(rule.Id) && bareDomain(rule.DomainName) === bareDomain(DOMAIN),
  );
}

/**
 * Ours: the association the state records as created or checkpointed, or, after a crash
 * between AssociateResolverRule and the checkpoint, the one found while the state holds the
 * marker taken before that call (the API has no idempotency token of its own).
 */
function isOurs(ctx: AwsContext, association: ResolverRuleAssociation): boolean {
  const { record } = ctx;
  if (record.ownership === 'adopted') return false;
  const recorded = record.resources.association;
  if (recorded) return recorded === association.Id;
  return record.tokens.create !== undefined;
}

// ---------------------------------------------------------------------------------------
// Decide

function otherDifference(ruleId: string | undefined, other: ResolverRule) {
  const targets = (other.TargetIps ?? []).map((t) => `${t.Ip}:${t.Port}`).join(', ');
  return {
    field: `rule for ${DOMAIN} associated with the VPC`,
    expected: ruleId ?? 'the psc-bridge rule',
    actual: `${other.Id} (${other.Name ?? 'no name'}, targets ${targets || 'none'})`,
  };
}

async function refuseOtherRule(ctx: AwsContext, ruleId: string): Promise<void> {
  const other = await otherRule(ctx, ruleId);
  if (!other) return;
  const vpcId = setting(ctx.config, 'vpcId');
  throw conflict(
    `The ${DOMAIN} forwarding of VPC ${vpcId}`,
    [otherDifference(ruleId, other)],
    `A VPC takes one rule per domain. Disassociate ${other.Id} (aws route53resolver ` +
      `disassociate-resolver-rule --resolver-rule-id ${other.Id} --vpc-id ${vpcId}) ` +
      'if psc-bridge should take over, then run again.',
  );
}

// ---------------------------------------------------------------------------------------
// Act

async function associate(ctx: AwsContext, ruleId: string): Promise<ResolverRuleAssociation> {
  // No token in this API: the marker tells a rerun that what it finds is its own.
  await ctx.token('create');
  const { AssociateResolverRuleCommand } = await import('@aws-sdk/client-route53resolver');
  const resolver = await ctx.services.resolver();
  const vpcId = setting(ctx.config, 'vpcId');
  let association: ResolverRuleAssociation | undefined;
  try {
    const answer = await call('route53resolver:AssociateResolverRule', ruleId, () =>
      resolver.send(
        new AssociateResolverRuleCommand({
          ResolverRuleId: ruleId,
          VPCId: vpcId,
          // The rule's name, when known (associate does not require it): only a label.
          ...(ctx.config.resolverRuleName ? { Name: ctx.config.resolverRuleName } : {}),
        }),
      ),
    );
    association = answer.ResolverRuleAssociation;
  } catch (error) {
    // After a retried call whose first attempt went through, AWS says the VPC already has a
    // rule for the domain: when that rule is ours, the work is done.
    if (!hasCode(error, 'InvalidRequestException', SAME_DOMAIN)) throw error;
    association = await findAssociation(ctx, ruleId);
    if (!association) await refuseOtherRule(ctx, ruleId);
    if (!association) throw error;
  }
  if (!association?.Id) throw new Error('AssociateResolverRule answered without an Id');
  await ctx.checkpoint({ resources: { association: association.Id } });
  return association;
}

async function waitComplete(ctx: AwsContext, id: string): Promise<void> {
  await waitFor(
    ctx,
    `association ${id} to be COMPLETE`,
    WAIT_MS,
    async (ms) => {
      const association = await getAssociation(ctx, id);
      const status = association?.Status ?? 'GONE';
      ctx.progress(`${status} ${elapsedText(ms)}`);
      if (status === 'COMPLETE') return true;
      if (status === 'CREATING') return undefined;
      throw new CloudError(
        'ASSOCIATION_NOT_COMPLETE',
        `Association ${id} is ${status}` +
          `${association?.StatusMessage ? `: ${association.StatusMessage}` : ''}.`,
        { cloud: 'aws', api: 'route53resolver:GetResolverRuleAssociation', resource: id },
        'Look at the association in the Route 53 Resolver console; remove it ' +
          '(`psc-bridge associate --destroy`) and run again.',
      );
    },
    SECONDS_LONG,
  );
}

async function disassociate(ctx: AwsContext, association: ResolverRuleAssociation) {
  if (association.Status === 'DELETING') return;
  const { DisassociateResolverRuleCommand } = await import('@aws-sdk/client-route53resolver');
  const resolver = await ctx.services.resolver();
  try {
    await call('route53resolver:DisassociateResolverRule', association.Id, () =>
      resolver.send(
        new DisassociateResolverRuleCommand({
          ResolverRuleId: association.ResolverRuleId,
          VPCId: association.VPCId,
        }),
      ),
    );
  } catch (error) {
    if (!hasCode(error, 'ResourceNotFoundException')) throw error;
  }
}
