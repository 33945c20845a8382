import type { World } from '../types.js';
import { SEED } from './seed.js';
import type { ResolverEndpoint, ResolverRule } from './world.js';

/** What the VPC's resolver forwards, for whoever emulates DNS resolution from the VPC. */
export interface ForwardingRule {
  rule: ResolverRule;
  endpoint: ResolverEndpoint;
}

/**
 * FORWARD rules in effect for a VPC now: association COMPLETE, rule COMPLETE, and its outbound
 * endpoint OPERATIONAL. Most specific domain first, as Resolver picks them.
 */
export function forwardingRulesForVpc(
  world: World,
  vpcId: string,
  region: string = SEED.region,
): ForwardingRule[] {
  const r = world.aws.regions[region];
  if (!r) return [];
  const out: ForwardingRule[] = [];
  for (const association of r.ruleAssociations) {
    if (association.vpcId !== vpcId || association.status !== 'COMPLETE') continue;
    const rule = r.resolverRules.find((each) => each.id === association.ruleId);
    if (rule?.status !== 'COMPLETE' || rule.ruleType !== 'FORWARD') continue;
    const endpoint = r.resolverEndpoints.find((each) => each.id === rule.resolverEndpointId);
    if (endpoint?.status === 'OPERATIONAL') out.push({ rule, endpoint });
  }
  return out.sort((a, b) => b.rule.domainName.length - a.rule.domainName.length);
}

/** The forwarding rule that would answer `name` (a FQDN, trailing dot optional). */
export function ruleForName(world: World, vpcId: string, name: string): ForwardingRule | undefined {
  const fqdn = name.endsWith('.') ? name.toLowerCase() : `${name.toLowerCase()}.`;
  return forwardingRulesForVpc(world, vpcId).find(({ rule }) => {
    const domain = rule.domainName.toLowerCase();
    return fqdn === domain || fqdn.endsWith(`.${domain}`);
  });
}
