import { UserError } from '../../errors.js';
import { stepInfo } from '../catalog.js';
import type { CloudStep } from '../load.js';
import { conflict, diff } from '../shared.js';
import type { ApplyResult, DestroyResult, Difference, Inspection } from '../types.js';
import {
  applied,
  createdByUs,
  createOnce,
  type GcpContext,
  gcloud,
  networkUrl,
  orAbsent,
  read,
  setting,
  shown,
} from './common.js';
import {
  APEX,
  allRecords,
  bindsNetwork,
  dnsOf,
  listZones,
  project,
  recordText,
  type Zone,
} from './dns.js';

const TOKEN = 'zone';
const DESCRIPTION = 'psc-bridge: googleapis.com. to the Private Service Connect endpoint';

interface Found {
  /** A private googleapis.com. zone that already serves the network, any name. */
  serving?: Zone;
  /**
   * A private googleapis.com. zone on the network that forwards, peers or resolves through
   * Service Directory instead of answering from its own records: psc-bridge's records would
   * not be served, so it is refused rather than adopted.
   */
  rerouting?: Zone;
  /** The zone under the configured name, whatever it is. */
  named?: Zone;
}

export const step: CloudStep = {
  ...stepInfo('create-zone'),
  cloud: 'gcp',

  async inspect(ctx): Promise<Inspection> {
    const found = await findZones(ctx);
    if (found.serving) {
      return {
        presence: 'present',
        resources: { zone: found.serving.name ?? '' },
        differences: [],
      };
    }
    const blocking = found.rerouting ?? found.named;
    if (!blocking) return { presence: 'absent', resources: {}, differences: [] };
    const differences = differencesOf(ctx, blocking);
    return { presence: 'drifted', resources: { zone: blocking.name ?? '' }, differences };
  },

  async apply(ctx): Promise<ApplyResult> {
    const found = await findZones(ctx);
    if (found.serving) return existing(ctx, found.serving);
    if (found.rerouting) {
      const name = found.rerouting.name ?? '';
      throw conflict(
        `The private zone ${name} for ${APEX} on the network`,
        differencesOf(ctx, found.rerouting),
        `It sends ${APEX} queries elsewhere, so records added to it would not be answered. ` +
          'Delete it or unbind it from the network, then run again.',
      );
    }
    if (found.named) {
      throw conflict(
        `The Cloud DNS zone ${setting(ctx.config, 'dnsZone')}`,
        differencesOf(ctx, found.named),
        'Delete that zone, or choose another name with --dns-zone.',
      );
    }
    const zone = await create(ctx);
    return {
      action: 'created',
      ownership: 'created',
      resources: { zone },
      outputs: { zone },
    };
  },

  async destroy(ctx): Promise<DestroyResult> {
    const zone = ctx.record.resources.zone ?? setting(ctx.config, 'dnsZone');
    if (!ours(ctx, zone)) {
      if (applied(ctx) !== 'adopted') return { action: 'absent' };
      return { action: 'kept', notes: [`Kept the zone ${zone}: it existed before psc-bridge.`] };
    }
    const records = await orAbsent(allRecords(ctx, zone));
    if (!records) return { action: 'absent' };
    refuseIfNotEmpty(zone, records);
    const dns = await dnsOf(ctx);
    const gone = await read(ctx, 'dns.managedZones.delete', zone, () =>
      dns.managedZones.delete({ project: project(ctx), managedZone: zone }),
    );
    return { action: gone ? 'deleted' : 'absent' };
  },

  commands(config, direction) {
    const zone = shown(config, 'dnsZone');
    if (direction === 'destroy') return [gcloud(config, 'dns managed-zones delete', zone)];
    return [
      gcloud(
        config,
        'dns managed-zones create',
        zone,
        `--dns-name=${APEX}`,
        '--visibility=private',
        `--networks=${shown(config, 'gcpNetwork')}`,
        `--description=${JSON.stringify(DESCRIPTION)}`,
      ),
    ];
  },
};

/** One list of the project's zones: what serves the network, and what has our name. */
async function findZones(ctx: GcpContext): Promise<Found> {
  const name = setting(ctx.config, 'dnsZone');
  const zones = await listZones(ctx);
  const onNetwork = zones.filter((zone) => placementDifferences(ctx, zone).length === 0);
  const serving = onNetwork.filter((zone) => routingDifferences(zone).length === 0);
  const preferred = serving.find((zone) => zone.name === name) ?? serving[0];
  const rerouting = onNetwork.find((zone) => routingDifferences(zone).length > 0);
  const named = zones.find((zone) => zone.name === name);
  return {
    ...(preferred ? { serving: preferred } : {}),
    ...(rerouting ? { rerouting } : {}),
    ...(named ? { named } : {}),
  };
}

/** How a zone differs from a private googleapis.com. zone that answers from its records. */
function differencesOf(ctx: GcpContext, zone: Zone): Difference[] {
  return [...placementDifferences(ctx, zone), ...routingDifferences(zone)];
}

/** Name, visibility and network: whether the zone is the network's googleapis.com. zone. */
function placementDifferences(ctx: GcpContext, zone: Zone): Difference[] {
  const networks = zone.privateVisibilityConfig?.networks ?? [];
  const network = setting(ctx.config, 'gcpNetwork');
  return diff({
    dnsName: [APEX, zone.dnsName],
    visibility: ['private', zone.visibility],
    networks: [
      network,
      bindsNetwork(ctx, networks) ? network : networks.map((each) => each.networkUrl).join(', '),
    ],
  });
}

/** Forwarding, peering and Service Directory zones answer from elsewhere, not their records. */
function routingDifferences(zone: Zone): Difference[] {
  const targets = zone.forwardingConfig?.targetNameServers ?? [];
  const forwarding = zone.forwardingConfig
    ? `forwards to ${targets.map((each) => each.ipv4Address ?? each.ipv6Address).join(', ')}`
    : undefined;
  const peering = zone.peeringConfig
    ? `peers with ${zone.peeringConfig.targetNetwork?.networkUrl ?? '(no network)'}`
    : undefined;
  const directory = zone.serviceDirectoryConfig
    ? `resolves through ${zone.serviceDirectoryConfig.namespace?.namespaceUrl ?? 'a namespace'}`
    : undefined;
  return diff({
    forwardingConfig: [undefined, forwarding],
    peeringConfig: [undefined, peering],
    serviceDirectoryConfig: [undefined, directory],
  });
}

function ours(ctx: GcpContext, zone: string): boolean {
  return createdByUs(ctx, TOKEN) && zone === setting(ctx.config, 'dnsZone');
}

/** A serving zone: ours from an earlier (maybe interrupted) run, or someone else's to adopt. */
function existing(ctx: GcpContext, zone: Zone): ApplyResult {
  const name = zone.name ?? '';
  const resources = { zone: name };
  if (ours(ctx, name)) {
    const action = applied(ctx) === 'created' ? 'unchanged' : 'created';
    return { action, ownership: 'created', resources, outputs: resources };
  }
  const action = applied(ctx) === 'adopted' ? 'unchanged' : 'adopted';
  return {
    action,
    ownership: 'adopted',
    resources,
    outputs: resources,
    notes: [
      `The private zone ${name} already serves ${APEX} on the network; psc-bridge adopts it ` +
        'and teardown keeps it.',
    ],
  };
}

async function create(ctx: GcpContext): Promise<string> {
  const name = setting(ctx.config, 'dnsZone');
  const dns = await dnsOf(ctx);
  await ctx.token(TOKEN);
  await ctx.checkpoint({ resources: { zone: name }, outputs: { zone: name } });
  ctx.progress(`creating the private zone ${name}`);
  await createOnce(
    ctx,
    'dns.managedZones.create',
    name,
    () =>
      dns.managedZones.create({
        project: project(ctx),
        requestBody: {
          name,
          dnsName: APEX,
          description: DESCRIPTION,
          visibility: 'private',
          privateVisibilityConfig: { networks: [{ networkUrl: networkUrl(ctx.config) }] },
        },
      }),
    async () => {
      const found = await read(ctx, 'dns.managedZones.get', name, () =>
        dns.managedZones.get({ project: project(ctx), managedZone: name }),
      );
      return found !== undefined && differencesOf(ctx, found.data).length === 0;
    },
    () => ctx.forget(TOKEN),
  );
  return name;
}

/** Cloud DNS refuses to delete a zone holding more than its apex SOA and NS. */
function refuseIfNotEmpty(zone: string, records: { name?: string | null; type?: string | null }[]) {
  const extra = records.filter(
    (each) => !(each.name === APEX && ['SOA', 'NS'].includes(each.type ?? '')),
  );
  if (extra.length === 0) return;
  throw new UserError(
    'ZONE_NOT_EMPTY',
    `The zone ${zone} still holds records other than its SOA and NS:\n` +
      extra.map((each) => `  ${each.name ?? ''} ${recordText(each)}`).join('\n'),
    'Remove them first (`psc-bridge add-records --destroy` removes the ones psc-bridge added), ' +
      'then run the teardown again.',
  );
}
