import { gcloud, sh, shown } from '../gcp/common.js';
import { type CheckInput, recordOf } from './types.js';

/**
 * Fix texts shared by several checks. Each one is a sequence that runs in the state it is
 * suggested for: a step with dependents cannot be destroyed first (exit 2), and re-applying
 * a step whose resource exists but differs is refused, so those fixes remove or rebuild in
 * dependency order.
 */

/** Commands as a readable sequence: `a`, then `b`, then `c`. */
export function inOrder(...commands: string[]): string {
  return commands.map((each) => `\`${each}\``).join(', then ');
}

/**
 * Rebuild the forwarding rule on the forwarders GCP holds now: the association depends on
 * the rule, so it goes first; create-policy re-reads and records the live forwarder
 * addresses that create-rule targets.
 */
export const REBUILD_RULE_STEPS = inOrder(
  'psc-bridge associate --destroy',
  'psc-bridge create-rule --destroy',
  'psc-bridge create-policy',
  'psc-bridge create-rule',
  'psc-bridge associate',
);

export const REBUILD_RULE = `Rebuild the rule on the live forwarders: ${REBUILD_RULE_STEPS}.`;

/** The endpoint cannot be changed in place by psc-bridge: remove the chain above it, rebuild. */
export const REBUILD_ENDPOINT = `Rebuild the endpoint and the rule on it: ${inOrder(
  'psc-bridge associate --destroy',
  'psc-bridge create-rule --destroy',
  'psc-bridge create-resolver-endpoint --destroy',
  'psc-bridge create-resolver-endpoint',
  'psc-bridge create-rule',
  'psc-bridge associate',
)}.`;

/**
 * Put the /32 back in the router's advertisements. Removing the step first restores the
 * router as it was, so the next apply merges the range in again.
 */
export const READVERTISE = `Advertise it again: ${inOrder(
  'psc-bridge advertise-route --destroy',
  'psc-bridge advertise-route --yes',
)} (--yes also updates BGP peers in CUSTOM mode).`;

/**
 * Rebuild the PSC endpoint: the records and the advertisement depend on it, so they go first
 * and come back after. (Deleting the rule by hand and running create-psc alone is not enough
 * today: create-psc reuses its recorded requestId, which GCP takes for a retry.)
 */
export const REBUILD_PSC_STEPS = inOrder(
  'psc-bridge add-records --destroy',
  'psc-bridge advertise-route --destroy',
  'psc-bridge create-psc --destroy',
  'psc-bridge create-psc',
  'psc-bridge advertise-route --yes',
  'psc-bridge add-records',
);

/** For a rule that exists but differs; `--destroy` keeps one psc-bridge did not create. */
export function rebuildEndpoint(input: CheckInput): string {
  const remove = gcloud(
    input.config,
    'compute forwarding-rules delete',
    shown(input.config, 'pscEndpoint'),
    '--global',
  );
  return (
    `Rebuild the endpoint: ${REBUILD_PSC_STEPS}. A rule psc-bridge did not create is kept by ` +
    `--destroy: delete it yourself (\`${remove}\`) before the create-psc step.`
  );
}

/** The zone create-zone made or adopted (its real name), else the configured one. */
export function zoneName(input: CheckInput): string {
  const zone = recordOf(input, 'create-zone')?.outputs.zone;
  return typeof zone === 'string' && zone !== '' ? zone : (input.config.dnsZone ?? '');
}

/**
 * A record set that exists with other data: add-records refuses to overwrite it, so it is
 * deleted by hand first. The gcloud line is the one to run against the real cloud.
 */
export function replaceRecord(input: CheckInput, zone: string, name: string, type: string) {
  const remove = gcloud(
    input.config,
    'dns record-sets delete',
    sh(name),
    `--type=${type}`,
    `--zone=${sh(zone)}`,
  );
  return (
    `Delete that record (\`${remove}\`), then run \`psc-bridge add-records\`; ` +
    'or, if the record is meant to be, point psc-bridge at it with --psc-endpoint and --psc-ip.'
  );
}
