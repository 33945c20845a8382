import type { PartialConfig } from '../config/fields.js';
import type { InspectOutcome } from '../engine/inspect.js';
import { emptyRecord, type State } from '../state/schema.js';
import { CATALOG, type StepId } from '../steps/catalog.js';
import { formatDifference } from '../steps/shared.js';
import { type Planned, plannedApply, plannedDestroy } from './planned.js';

/** Live inspections by step, when the command looked before asking (on a terminal). */
export type Live = ReadonlyMap<StepId, InspectOutcome>;

const VERB: Partial<Record<Planned, string>> = {
  create: 'will create',
  adopt: 'will adopt (exists and matches)',
  update: 'will change, with your yes',
  refuse: 'will stop: exists but differs',
  nothing: 'done; will only check',
  unknown: 'could not look',
};

/** What setup (or one step) is about to do, shown before its one confirmation. */
export function setupPreview(
  config: PartialConfig,
  before: State | undefined,
  live: Live,
  ids: readonly StepId[] = CATALOG.map((info) => info.id),
): string[] {
  const lines = ids.length === CATALOG.length ? valuesPreview(config) : [];
  for (const info of CATALOG.filter((each) => ids.includes(each.id))) {
    const outcome = live.get(info.id);
    const action = plannedApply(outcome, before?.steps[info.id] ?? emptyRecord());
    lines.push(`  ${info.id.padEnd(25)} ${info.title}: ${VERB[action] ?? action}`);
    const inspection = outcome && 'inspection' in outcome ? outcome.inspection : undefined;
    if (action === 'refuse' || action === 'update') {
      for (const d of inspection?.differences ?? []) lines.push(`      ${formatDifference(d)}`);
    }
    for (const change of inspection?.consent ?? []) lines.push(`      needs your yes: ${change}`);
  }
  return lines;
}

function valuesPreview(config: PartialConfig): string[] {
  return [
    `GCP  project ${config.gcpProject}, network ${config.gcpNetwork} (${config.gcpRegion}), ` +
      `router ${config.gcpRouter}`,
    `     PSC endpoint ${config.pscEndpoint} at ${config.pscIp}, zone ${config.dnsZone}, ` +
      `policy ${config.dnsPolicy}`,
    `AWS  VPC ${config.vpcId} (${config.awsRegion}), subnets ${config.subnetIds?.join(', ')}`,
    `     group ${config.securityGroupName}, endpoint ${config.resolverEndpointName}, ` +
      `rule ${config.resolverRuleName}`,
    '',
  ];
}

/**
 * What teardown (or one step's --destroy) will delete, restore and leave, from the recorded
 * ownership and, when given, what exists now.
 */
export function teardownPreview(
  before: State | undefined,
  live?: Live,
  ids: readonly StepId[] = CATALOG.map((info) => info.id),
): string[] {
  const groups: Record<'delete' | 'restore' | 'leave', string[]> = {
    delete: [],
    restore: [],
    leave: [],
  };
  for (const info of [...CATALOG].reverse().filter((each) => ids.includes(each.id))) {
    const record = before?.steps[info.id] ?? emptyRecord();
    const action = plannedDestroy(info, record, live?.get(info.id));
    const ids = Object.values(record.resources).join(', ') || info.title;
    if (action === 'delete' || action === 'restore' || action === 'leave') {
      groups[action].push(`  ${info.id.padEnd(25)} ${ids}`);
    }
  }
  const lines = [];
  if (groups.delete.length > 0)
    lines.push('Will delete (created by psc-bridge):', ...groups.delete);
  if (groups.restore.length > 0) {
    lines.push('Will put back as they were (shared, changed by psc-bridge):', ...groups.restore);
  }
  if (groups.leave.length > 0) {
    lines.push('Will leave as they are (adopted, or APIs that stay enabled):', ...groups.leave);
  }
  return lines.length > 0 ? lines : ['Nothing recorded as created or changed by psc-bridge.'];
}

/** The result of a finished setup: what a user needs next. */
export function setupSummary(state: Readonly<State>): string[] {
  const outputs = (id: keyof State['steps']) => state.steps[id]?.outputs ?? {};
  const resources = (id: keyof State['steps']) => state.steps[id]?.resources ?? {};
  return [
    'Private path to Google APIs is in place.',
    `  PSC endpoint        ${String(outputs('create-psc').endpoint ?? '?')} at ` +
      `${String(outputs('create-psc').pscIp ?? '?')}`,
    `  DNS forwarders      ${forwardersOf(outputs('create-policy').forwarders) || '?'}`,
    `  Resolver endpoint   ${resources('create-resolver-endpoint').resolverEndpoint ?? '?'}`,
    `  Forwarding rule     ${resources('create-rule').resolverRule ?? '?'}`,
    `  Association         ${resources('associate').association ?? '?'}`,
    'Next: psc-bridge verify',
  ];
}

/** After one step: its resource ids and outputs, e.g. the endpoint's IP or the forwarders. */
export function stepSummary(id: StepId, state: Readonly<State>): string[] {
  const record = state.steps[id] ?? emptyRecord();
  const shown = Object.entries({ ...record.resources, ...record.outputs }).map(
    ([key, value]) =>
      `  ${key.padEnd(20)}${key === 'forwarders' ? forwardersOf(value) : text(value)}`,
  );
  return shown.length > 0 ? [`${id}:`, ...shown] : [];
}

function forwardersOf(value: unknown): string {
  return Object.entries((value ?? {}) as Record<string, string[]>)
    .map(([region, ips]) => `${ips.join(', ')} (${region})`)
    .join('; ');
}

function text(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(', ');
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}
