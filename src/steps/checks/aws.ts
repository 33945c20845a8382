import type {
  IpAddressResponse,
  ResolverEndpoint,
  ResolverRule,
} from '@aws-sdk/client-route53resolver';
import { ipInCidr } from '../../config/network.js';
import { type CheckInput, type CheckResult, fail, guarded, pass, recordOf } from './types.js';

/** The resolver endpoint and rule psc-bridge made (from the state, else found by name). */
export interface AwsPath {
  endpoint?: ResolverEndpoint;
  /** The endpoint's IP addresses with their subnets and statuses. */
  ips: IpAddressResponse[];
  rule?: ResolverRule;
}

export async function findAwsPath(input: CheckInput): Promise<AwsPath> {
  const sdk = await import('@aws-sdk/client-route53resolver');
  const client = await input.services.resolver();
  const byName = (name: string | undefined) => [{ Name: 'Name', Values: [name ?? ''] }];
  const endpointId = recordOf(input, 'create-resolver-endpoint')?.resources.resolverEndpoint;
  const ruleId = recordOf(input, 'create-rule')?.resources.resolverRule;
  const [endpoint, rule] = await Promise.all([
    endpointId
      ? client.send(new sdk.GetResolverEndpointCommand({ ResolverEndpointId: endpointId })).then(
          (r) => r.ResolverEndpoint,
          () => undefined,
        )
      : client
          .send(
            new sdk.ListResolverEndpointsCommand({
              Filters: byName(input.config.resolverEndpointName),
            }),
          )
          .then((r) => r.ResolverEndpoints?.[0]),
    ruleId
      ? client.send(new sdk.GetResolverRuleCommand({ ResolverRuleId: ruleId })).then(
          (r) => r.ResolverRule,
          () => undefined,
        )
      : client
          .send(
            new sdk.ListResolverRulesCommand({ Filters: byName(input.config.resolverRuleName) }),
          )
          .then((r) => r.ResolverRules?.[0]),
  ]);
  const ips = endpoint?.Id
    ? ((
        await client.send(
          new sdk.ListResolverEndpointIpAddressesCommand({ ResolverEndpointId: endpoint.Id }),
        )
      ).IpAddresses ?? [])
    : [];
  return { ...(endpoint ? { endpoint } : {}), ips, ...(rule ? { rule } : {}) };
}

/** OPERATIONAL with every IP attached, and its group lets DNS out to the rule's targets. */
export function checkEndpoint(input: CheckInput, path: Promise<AwsPath>): Promise<CheckResult> {
  const id = 'resolver-endpoint';
  const title =
    `resolver endpoint ${input.config.resolverEndpointName} is OPERATIONAL ` +
    'and may send DNS to the targets';
  const fix = 'Run `psc-bridge create-resolver-endpoint` (and `psc-bridge create-sg`).';
  return guarded(
    id,
    title,
    async () => {
      const { endpoint, ips, rule } = await path;
      if (!endpoint?.Id) return fail(id, title, 'no such endpoint', fix);
      if (endpoint.Status !== 'OPERATIONAL') {
        return fail(id, title, `status ${endpoint.Status}: ${endpoint.StatusMessage ?? ''}`, fix);
      }
      const detached = ips
        .filter((ip) => ip.Status !== 'ATTACHED')
        .map((ip) => `${ip.Ip} (${ip.Status})`);
      if (detached.length > 0) {
        return fail(id, title, `IPs not attached: ${detached.join(', ')}`, fix);
      }
      if (ips.length < 2) {
        return fail(
          id,
          title,
          `only ${ips.length} IP address attached; it needs at least two`,
          fix,
        );
      }
      const targets = (rule?.TargetIps ?? []).map((t) => t.Ip ?? '').filter(Boolean);
      const blocked = await blockedTargets(input, endpoint.SecurityGroupIds ?? [], targets);
      if (blocked.length > 0) {
        return fail(
          id,
          title,
          `its security group does not allow TCP and UDP 53 out to ${blocked.join(', ')}`,
          'Run `psc-bridge create-sg`.',
        );
      }
      return pass(id, title, `${endpoint.Id}, ${endpoint.IpAddressCount} IPs attached`);
    },
    fix,
  );
}

async function blockedTargets(input: CheckInput, groupIds: string[], targets: string[]) {
  if (groupIds.length === 0) return targets;
  const { DescribeSecurityGroupsCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await input.services.ec2();
  const { SecurityGroups = [] } = await ec2.send(
    new DescribeSecurityGroupsCommand({ GroupIds: groupIds }),
  );
  const rules = SecurityGroups.flatMap((g) => g.IpPermissionsEgress ?? []);
  const allows = (protocol: string, ip: string) =>
    rules.some(
      (r) =>
        (r.IpProtocol === '-1' ||
          (r.IpProtocol === protocol && (r.FromPort ?? 0) <= 53 && (r.ToPort ?? 0) >= 53)) &&
        (r.IpRanges ?? []).some((range) => !!range.CidrIp && ipInCidr(ip, range.CidrIp)),
    );
  return targets.filter((ip) => !allows('udp', ip) || !allows('tcp', ip));
}

/** The rule is associated with the VPC and the association is COMPLETE. */
export function checkAssociation(input: CheckInput, path: Promise<AwsPath>): Promise<CheckResult> {
  const id = 'rule-association';
  const { resolverRuleName, vpcId } = input.config;
  const title = `forwarding rule ${resolverRuleName} is associated with ${vpcId}`;
  const fix = 'Run `psc-bridge associate`.';
  return guarded(
    id,
    title,
    async () => {
      const { rule } = await path;
      if (!rule?.Id) return fail(id, title, 'no such rule', 'Run `psc-bridge create-rule`.');
      const { ListResolverRuleAssociationsCommand } = await import(
        '@aws-sdk/client-route53resolver'
      );
      const client = await input.services.resolver();
      const { ResolverRuleAssociations = [] } = await client.send(
        new ListResolverRuleAssociationsCommand({
          Filters: [
            { Name: 'ResolverRuleId', Values: [rule.Id] },
            { Name: 'VPCId', Values: [input.config.vpcId ?? ''] },
          ],
        }),
      );
      const association = ResolverRuleAssociations[0];
      if (!association) return fail(id, title, 'not associated', fix);
      if (association.Status !== 'COMPLETE') {
        return fail(id, title, `association ${association.Id} is ${association.Status}`, fix);
      }
      return pass(id, title, `${association.Id} COMPLETE`);
    },
    fix,
  );
}

/** The route tables of the endpoint's subnets hold an active VGW-propagated route to the /32. */
export function checkVpcRoute(input: CheckInput, path: Promise<AwsPath>): Promise<CheckResult> {
  const { config } = input;
  const id = 'vpc-route';
  const title = `VPC route tables send ${config.pscIp}/32 to the VPN gateway`;
  const fix = 'Check `psc-bridge advertise-route` and route propagation on the VPC route tables.';
  return guarded(
    id,
    title,
    async () => {
      const { ips } = await path;
      const fromEndpoint = [...new Set(ips.map((ip) => ip.SubnetId ?? '').filter(Boolean))];
      const subnets = fromEndpoint.length > 0 ? fromEndpoint : (config.subnetIds ?? []);
      const { DescribeRouteTablesCommand } = await import('@aws-sdk/client-ec2');
      const ec2 = await input.services.ec2();
      const { RouteTables = [] } = await ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [{ Name: 'vpc-id', Values: [config.vpcId ?? ''] }],
        }),
      );
      const tableFor = (subnet: string) =>
        RouteTables.find((t) => (t.Associations ?? []).some((a) => a.SubnetId === subnet)) ??
        RouteTables.find((t) => (t.Associations ?? []).some((a) => a.Main));
      const problems: string[] = [];
      for (const subnet of subnets) {
        const table = tableFor(subnet);
        const route = (table?.Routes ?? []).find(
          (r) =>
            !!r.DestinationCidrBlock &&
            ipInCidr(config.pscIp ?? '', r.DestinationCidrBlock) &&
            r.GatewayId?.startsWith('vgw-'),
        );
        if (!route) problems.push(`${table?.RouteTableId ?? 'no table'} (${subnet}): no VGW route`);
        else if (route.State !== 'active')
          problems.push(`${table?.RouteTableId}: route ${route.State}`);
      }
      if (problems.length > 0) return fail(id, title, problems.join('; '), fix);
      return pass(id, title, `propagated in the tables of ${subnets.join(', ')}`);
    },
    fix,
  );
}
