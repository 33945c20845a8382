import type { PartialConfig } from '../config/fields.js';
import { emptyRecord, type State } from '../state/schema.js';
import { CATALOG } from '../steps/catalog.js';

/** What setup is about to do, shown before its one confirmation. */
export function setupPreview(config: PartialConfig, before: State | undefined): string[] {
  const lines = [
    `GCP  project ${config.gcpProject}, network ${config.gcpNetwork} (${config.gcpRegion}), ` +
      `router ${config.gcpRouter}`,
    `     PSC endpoint ${config.pscEndpoint} at ${config.pscIp}, zone ${config.dnsZone}, ` +
      `policy ${config.dnsPolicy}`,
    `AWS  VPC ${config.vpcId} (${config.awsRegion}), subnets ${config.subnetIds?.join(', ')}`,
    `     group ${config.securityGroupName}, endpoint ${config.resolverEndpointName}, ` +
      `rule ${config.resolverRuleName}`,
    '',
  ];
  for (const info of CATALOG) {
    const record = before?.steps[info.id];
    const already = record?.status === 'done' ? ' (done before: will be checked, not redone)' : '';
    lines.push(`  ${info.id.padEnd(25)} ${info.title}${already}`);
  }
  return lines;
}

/** What teardown will delete and what it will leave, from the recorded ownership. */
export function teardownPreview(before: State | undefined): string[] {
  const remove: string[] = [];
  const leave: string[] = [];
  for (const info of [...CATALOG].reverse()) {
    const record = before?.steps[info.id] ?? emptyRecord();
    const ids = Object.values(record.resources).join(', ') || info.title;
    if (info.keptOnTeardown && record.ownership) leave.push(`  ${info.id.padEnd(25)} ${ids}`);
    else if (record.ownership === 'created') remove.push(`  ${info.id.padEnd(25)} ${ids}`);
    else if (record.ownership === 'adopted') leave.push(`  ${info.id.padEnd(25)} ${ids}`);
  }
  return [
    remove.length > 0 ? 'Will delete (created by psc-bridge):' : 'Nothing recorded as created.',
    ...remove,
    ...(leave.length > 0
      ? ['Will leave as they are (adopted, or APIs that stay enabled):', ...leave]
      : []),
  ];
}

/** The result of a finished setup: what a user needs next. */
export function setupSummary(state: Readonly<State>): string[] {
  const outputs = (id: keyof State['steps']) => state.steps[id]?.outputs ?? {};
  const resources = (id: keyof State['steps']) => state.steps[id]?.resources ?? {};
  const forwarders = Object.entries(
    (outputs('create-policy').forwarders ?? {}) as Record<string, string[]>,
  ).map(([region, ips]) => `${ips.join(', ')} (${region})`);
  return [
    'Private path to Google APIs is in place.',
    `  PSC endpoint        ${String(outputs('create-psc').endpoint ?? '?')} at ` +
      `${String(outputs('create-psc').pscIp ?? '?')}`,
    `  DNS forwarders      ${forwarders.join('; ') || '?'}`,
    `  Resolver endpoint   ${resources('create-resolver-endpoint').resolverEndpoint ?? '?'}`,
    `  Forwarding rule     ${resources('create-rule').resolverRule ?? '?'}`,
    `  Association         ${resources('associate').association ?? '?'}`,
    'Next: psc-bridge verify',
  ];
}
