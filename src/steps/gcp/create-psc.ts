import type { PartialConfig } from '../../config/fields.js';
import { stepInfo } from '../catalog.js';
import type { CloudStep } from '../load.js';
import { diff, pollUntil } from '../shared.js';
import type { ApplyResult, DestroyResult, Inspection } from '../types.js';
import {
  applied,
  call,
  computeUrl,
  createdByUs,
  type GcpContext,
  gcloud,
  insertOnce,
  networkUrl,
  pollOptions,
  read,
  setting,
  settle,
  shown,
} from './common.js';
import {
  type Address,
  addressDifferences,
  checkEndpointName,
  checkPscIp,
  type Found,
  type Names,
  PSC,
  refuseConflicts,
  ruleDifferences,
  TARGET,
} from './psc-checks.js';

const READY_TIMEOUT_MS = 5 * 60_000;

export const step: CloudStep = {
  ...stepInfo('create-psc'),
  cloud: 'gcp',

  async inspect(ctx): Promise<Inspection> {
    const names = namesOf(ctx.config);
    const found = await readBoth(ctx, names);
    if (!found.address && !found.rule)
      return { presence: 'absent', resources: {}, differences: [] };
    const differences = [
      ...addressDifferences(ctx, found),
      ...ruleDifferences(ctx, found),
      ...diff({
        'global address': [names.address, found.address ? names.address : undefined],
        'forwarding rule': [names.rule, found.rule ? names.rule : undefined],
      }),
    ];
    return {
      presence: differences.length === 0 ? 'present' : 'drifted',
      resources: resourcesOf(names, found),
      differences,
    };
  },

  async apply(ctx): Promise<ApplyResult> {
    const names = namesOf(ctx.config);
    checkEndpointName(names.rule);
    const found = await readBoth(ctx, names);
    refuseConflicts(ctx, names, found);

    const notes: string[] = [];
    if (found.address) await untilReserved(ctx, names, found.address);
    else notes.push(...(await createAddress(ctx, names)));
    await ctx.checkpoint({ resources: { address: names.address } });
    if (!found.rule) await createRule(ctx, names);
    await ctx.checkpoint({ resources: { forwardingRule: names.rule } });

    notes.push(...adoptionNotes(ctx, names, found));
    return {
      ...outcome(ctx, found),
      resources: { address: names.address, forwardingRule: names.rule },
      outputs: { endpoint: names.rule, pscIp: names.ip },
      notes,
    };
  },

  async destroy(ctx): Promise<DestroyResult> {
    const names = namesOf(ctx.config, ctx.record.resources);
    const found = await readBoth(ctx, names);
    const { compute, projectId: project } = await ctx.services.gcp();
    const results = [
      await release(ctx, 'forwardingRule', found.rule, `the endpoint ${names.rule}`, () =>
        compute.globalForwardingRules.delete({ project, forwardingRule: names.rule }),
      ),
      await release(ctx, 'address', found.address, `the address ${names.address}`, () =>
        compute.globalAddresses.delete({ project, address: names.address }),
      ),
    ];
    const actions = results.map((each) => each.action);
    const action = (['deleted', 'kept'] as const).find((a) => actions.includes(a)) ?? 'absent';
    return { action, notes: results.flatMap((each) => each.notes ?? []) };
  },

  commands(config, direction) {
    const address = shown(config, 'pscAddressName');
    const rule = shown(config, 'pscEndpoint');
    if (direction === 'destroy') {
      return [
        gcloud(config, 'compute forwarding-rules delete', rule, '--global', '--quiet'),
        gcloud(config, 'compute addresses delete', address, '--global', '--quiet'),
      ];
    }
    const network = `--network=${shown(config, 'gcpNetwork')}`;
    const registration =
      `--service-directory-registration=projects/${shown(config, 'gcpProject')}` +
      `/locations/${shown(config, 'gcpRegion')}`;
    return [
      gcloud(
        config,
        'compute addresses create',
        address,
        '--global',
        `--purpose=${PSC}`,
        `--addresses=${shown(config, 'pscIp')}`,
        network,
      ),
      gcloud(
        config,
        'compute forwarding-rules create',
        rule,
        '--global',
        network,
        `--address=${address}`,
        `--target-google-apis-bundle=${TARGET}`,
        registration,
      ),
    ];
  },
};

function namesOf(config: Readonly<PartialConfig>, recorded: Record<string, string> = {}): Names {
  return {
    address: recorded.address ?? setting(config, 'pscAddressName'),
    rule: recorded.forwardingRule ?? setting(config, 'pscEndpoint'),
    ip: setting(config, 'pscIp'),
  };
}

function resourcesOf(names: Names, found: Found): Record<string, string> {
  return {
    ...(found.address ? { address: names.address } : {}),
    ...(found.rule ? { forwardingRule: names.rule } : {}),
  };
}

async function readBoth(ctx: GcpContext, names: Names): Promise<Found> {
  const { compute } = await ctx.services.gcp();
  const project = setting(ctx.config, 'gcpProject');
  const [address, rule] = await Promise.all([
    read(ctx, 'compute.globalAddresses.get', names.address, async () => {
      const [found] = await compute.globalAddresses.get({ project, address: names.address });
      return found;
    }),
    read(ctx, 'compute.globalForwardingRules.get', names.rule, async () => {
      const [found] = await compute.globalForwardingRules.get({
        project,
        forwardingRule: names.rule,
      });
      return found;
    }),
  ]);
  return { ...(address ? { address } : {}), ...(rule ? { rule } : {}) };
}

async function createAddress(ctx: GcpContext, names: Names): Promise<string[]> {
  const notes = await checkPscIp(ctx);
  ctx.progress(`reserving ${names.address} (${names.ip})`);
  const api = 'compute.globalAddresses.insert';
  await insertOnce(ctx, 'address', api, names.address, (clients, requestId) =>
    clients.compute.globalAddresses.insert({
      project: clients.projectId,
      requestId,
      addressResource: {
        name: names.address,
        address: names.ip,
        addressType: 'INTERNAL',
        purpose: PSC,
        network: networkUrl(ctx.config),
      },
    }),
  );
  return notes;
}

/** An address found still RESERVING (a run stopped mid-way): wait until it can be used. */
async function untilReserved(ctx: GcpContext, names: Names, address: Address): Promise<void> {
  if (address.status !== 'RESERVING') return;
  const { compute, projectId } = await ctx.services.gcp();
  await pollUntil(
    async () => {
      const [now] = await call(ctx, 'compute.globalAddresses.get', names.address, () =>
        compute.globalAddresses.get({ project: projectId, address: names.address }),
      );
      return now.status === 'RESERVING' ? undefined : now;
    },
    pollOptions(ctx, `the address ${names.address}`, READY_TIMEOUT_MS),
  );
}

async function createRule(ctx: GcpContext, names: Names): Promise<void> {
  ctx.progress(`creating the endpoint ${names.rule}`);
  const api = 'compute.globalForwardingRules.insert';
  await insertOnce(ctx, 'forwardingRule', api, names.rule, (clients, requestId) =>
    clients.compute.globalForwardingRules.insert({
      project: clients.projectId,
      requestId,
      forwardingRuleResource: {
        name: names.rule,
        IPAddress: computeUrl(ctx.config, `global/addresses/${names.address}`),
        network: networkUrl(ctx.config),
        target: TARGET,
        loadBalancingScheme: '',
        serviceDirectoryRegistrations: [
          { serviceDirectoryRegion: setting(ctx.config, 'gcpRegion') },
        ],
      },
    }),
  );
}

function adoptionNotes(ctx: GcpContext, names: Names, found: Found): string[] {
  const notes: string[] = [];
  if (found.address && !createdByUs(ctx, 'address')) {
    notes.push(`Adopted the existing address ${names.address} (${names.ip}); teardown keeps it.`);
  }
  if (found.rule && !createdByUs(ctx, 'forwardingRule')) {
    notes.push(`Adopted the existing endpoint ${names.rule}; teardown keeps it.`);
  }
  return notes;
}

/** Created if this run made something; unchanged on a rerun; adopted if nothing was ours. */
function outcome(ctx: GcpContext, found: Found): Pick<ApplyResult, 'action' | 'ownership'> {
  const ours = createdByUs(ctx, 'address') || createdByUs(ctx, 'forwardingRule');
  const ownership = ours ? 'created' : 'adopted';
  if (!found.address || !found.rule) return { action: ours ? 'created' : 'adopted', ownership };
  if (applied(ctx) !== undefined) return { action: 'unchanged', ownership };
  return { action: ours ? 'created' : 'adopted', ownership };
}

/** Deletes one resource if this step created it (rule first, then address); keeps others. */
async function release(
  ctx: GcpContext,
  token: 'forwardingRule' | 'address',
  found: { name?: string | null } | undefined,
  what: string,
  send: () => Promise<unknown>,
): Promise<DestroyResult> {
  if (!found) return { action: 'absent' };
  if (!createdByUs(ctx, token)) {
    return { action: 'kept', notes: [`Kept ${what}: it existed before psc-bridge.`] };
  }
  const clients = await ctx.services.gcp();
  const api =
    token === 'address' ? 'compute.globalAddresses.delete' : 'compute.globalForwardingRules.delete';
  const name = found.name ?? '';
  const answer = await read(ctx, api, name, send);
  if (answer) await settle(ctx, clients, answer, api, name);
  return { action: answer ? 'deleted' : 'absent' };
}
