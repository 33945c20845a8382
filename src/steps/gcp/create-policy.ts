import { UserError } from '../../errors.js';
import { stepInfo } from '../catalog.js';
import type { CloudStep } from '../load.js';
import { conflict, diff } from '../shared.js';
import type { ApplyResult, DestroyResult, Inspection } from '../types.js';
import {
  applied,
  call,
  createdByUs,
  createOnce,
  type GcpContext,
  gcloud,
  networkUrl,
  read,
  setting,
  shown,
} from './common.js';
import { bindsNetwork, dnsOf, listPolicies, type Policy, project } from './dns.js';
import { waitForForwarders } from './forwarders.js';

const TOKEN = 'policy';
const DESCRIPTION = 'psc-bridge: inbound DNS forwarding for the AWS Route 53 Resolver';

/** An adopted policy whose inbound forwarding psc-bridge turned on, to turn off again. */
interface InboundPrior {
  policy: string;
  enableInboundForwarding: boolean;
}

export const step: CloudStep = {
  ...stepInfo('create-policy'),
  cloud: 'gcp',

  async inspect(ctx): Promise<Inspection> {
    const bound = (await listPolicies(ctx)).find((each) => bindsNetwork(ctx, each.networks));
    if (!bound) return { presence: 'absent', resources: {}, differences: [] };
    const differences = diff({ enableInboundForwarding: [true, bound.enableInboundForwarding] });
    const name = bound.name ?? '';
    return {
      presence: differences.length === 0 ? 'present' : 'drifted',
      resources: { policy: name },
      differences,
      // The network's one policy is kept; apply turns its inbound forwarding on with a yes.
      ...(differences.length > 0
        ? { consent: [`turn on inbound forwarding in the DNS server policy ${name}`] }
        : {}),
    };
  },

  async apply(ctx): Promise<ApplyResult> {
    const policies = await listPolicies(ctx);
    const bound = policies.find((each) => bindsNetwork(ctx, each.networks));
    if (!bound) refuseNamedElsewhere(ctx, policies);

    const name = bound?.name ?? setting(ctx.config, 'dnsPolicy');
    const changed = bound ? await ensureInbound(ctx, bound) : await create(ctx);
    await ctx.checkpoint({ resources: { policy: name } });
    const forwarders = await waitForForwarders(ctx);
    return {
      ...outcome(ctx, bound === undefined, changed, name),
      resources: { policy: name },
      outputs: { forwarders },
      notes: bound && !ours(ctx, name) ? adoptionNotes(name, changed) : [],
    };
  },

  async destroy(ctx): Promise<DestroyResult> {
    const name = ctx.record.resources.policy ?? setting(ctx.config, 'dnsPolicy');
    if (ours(ctx, name)) return remove(ctx, name);
    const prior = priorOf(ctx.record.prior);
    if (prior) return restore(ctx, prior);
    if (applied(ctx) !== 'adopted') return { action: 'absent' };
    return {
      action: 'kept',
      notes: [`Kept the DNS policy ${name}: it existed before psc-bridge.`],
    };
  },

  commands(config, direction) {
    const policy = shown(config, 'dnsPolicy');
    if (direction === 'destroy') {
      return [
        gcloud(config, 'dns policies update', policy, '--networks=""'),
        gcloud(config, 'dns policies delete', policy),
      ];
    }
    return [
      gcloud(
        config,
        'dns policies create',
        policy,
        `--description=${JSON.stringify(DESCRIPTION)}`,
        `--networks=${shown(config, 'gcpNetwork')}`,
        '--enable-inbound-forwarding',
      ),
      gcloud(
        config,
        'compute addresses list',
        "--filter='purpose = DNS_RESOLVER'",
        "--format='csv[no-heading](address, region, subnetwork)'",
      ),
    ];
  },
};

function ours(ctx: GcpContext, name: string): boolean {
  return createdByUs(ctx, TOKEN) && name === setting(ctx.config, 'dnsPolicy');
}

function priorOf(value: unknown): InboundPrior | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const prior = value as Partial<InboundPrior>;
  return typeof prior.policy === 'string' ? (prior as InboundPrior) : undefined;
}

/** A policy under our name but bound elsewhere would need changing: refuse, show it. */
function refuseNamedElsewhere(ctx: GcpContext, policies: Policy[]): void {
  const name = setting(ctx.config, 'dnsPolicy');
  const named = policies.find((each) => each.name === name);
  if (!named) return;
  const networks = (named.networks ?? []).map((each) => each.networkUrl).join(', ');
  throw conflict(
    `The DNS server policy ${name}`,
    diff({ networks: [networkUrl(ctx.config), networks] }),
    'Bind that policy to the network yourself, delete it, or choose another name with ' +
      '--dns-policy.',
  );
}

async function create(ctx: GcpContext): Promise<boolean> {
  const name = setting(ctx.config, 'dnsPolicy');
  const dns = await dnsOf(ctx);
  await ctx.token(TOKEN);
  await ctx.checkpoint({ resources: { policy: name } });
  ctx.progress(`creating the DNS server policy ${name}`);
  await createOnce(
    ctx,
    'dns.policies.create',
    name,
    () =>
      dns.policies.create({
        project: project(ctx),
        requestBody: {
          name,
          description: DESCRIPTION,
          enableInboundForwarding: true,
          networks: [{ networkUrl: networkUrl(ctx.config) }],
        },
      }),
    async () => {
      const found = await read(ctx, 'dns.policies.get', name, () =>
        dns.policies.get({ project: project(ctx), policy: name }),
      );
      const policy = found?.data;
      return policy?.enableInboundForwarding === true && bindsNetwork(ctx, policy.networks);
    },
    () => ctx.forget(TOKEN),
  );
  return true;
}

/**
 * The network's one policy is kept; inbound forwarding is turned on only with consent, and
 * the setting it had is recorded first so teardown can put it back.
 */
async function ensureInbound(ctx: GcpContext, policy: Policy): Promise<boolean> {
  if (policy.enableInboundForwarding) return false;
  const name = policy.name ?? '';
  if (!ctx.assumeYes) {
    throw new UserError(
      'CONSENT_REQUIRED',
      `The network ${setting(ctx.config, 'gcpNetwork')} is bound to the DNS server policy ` +
        `${name}, whose inbound forwarding is off. AWS needs its inbound forwarder addresses, ` +
        'and a network can be bound to only one policy.',
      `Rerun with --yes to turn inbound forwarding on in ${name} (teardown turns it off again).`,
    );
  }
  if (!ours(ctx, name) && !priorOf(ctx.record.prior)) {
    await ctx.checkpoint({ prior: { policy: name, enableInboundForwarding: false } });
  }
  await setInbound(ctx, name, true);
  return true;
}

async function setInbound(ctx: GcpContext, name: string, on: boolean): Promise<void> {
  const dns = await dnsOf(ctx);
  ctx.progress(`turning inbound forwarding ${on ? 'on' : 'off'} in ${name}`);
  await call(ctx, 'dns.policies.patch', name, () =>
    dns.policies.patch({
      project: project(ctx),
      policy: name,
      requestBody: { enableInboundForwarding: on },
    }),
  );
}

function outcome(
  ctx: GcpContext,
  createdNow: boolean,
  changed: boolean,
  name: string,
): Pick<ApplyResult, 'action' | 'ownership'> {
  const ownership = ours(ctx, name) ? 'created' : 'adopted';
  if (createdNow) return { action: 'created', ownership };
  if (changed) return { action: 'updated', ownership };
  if (applied(ctx) !== undefined) return { action: 'unchanged', ownership };
  if (ownership === 'created') return { action: 'created', ownership };
  return { action: priorOf(ctx.record.prior) ? 'updated' : 'adopted', ownership };
}

function adoptionNotes(name: string, changed: boolean): string[] {
  const notes = [`The network already has the DNS server policy ${name}; psc-bridge adopts it.`];
  if (changed) notes.push(`Turned inbound forwarding on in ${name}; teardown turns it off again.`);
  return notes;
}

/** Deletes the policy psc-bridge created, unbinding its networks first as the API requires. */
async function remove(ctx: GcpContext, name: string): Promise<DestroyResult> {
  const dns = await dnsOf(ctx);
  const api = 'dns.policies.get';
  const found = await read(ctx, api, name, () =>
    dns.policies.get({ project: project(ctx), policy: name }),
  );
  if (!found) return { action: 'absent' };
  if ((found.data.networks ?? []).length > 0) {
    await call(ctx, 'dns.policies.patch', name, () =>
      dns.policies.patch({ project: project(ctx), policy: name, requestBody: { networks: [] } }),
    );
  }
  const gone = await read(ctx, 'dns.policies.delete', name, () =>
    dns.policies.delete({ project: project(ctx), policy: name }),
  );
  return { action: gone ? 'deleted' : 'absent' };
}

/** Puts an adopted policy's inbound forwarding back the way it was. */
async function restore(ctx: GcpContext, prior: InboundPrior): Promise<DestroyResult> {
  const dns = await dnsOf(ctx);
  const found = await read(ctx, 'dns.policies.get', prior.policy, () =>
    dns.policies.get({ project: project(ctx), policy: prior.policy }),
  );
  if (!found) return { action: 'absent' };
  const notes = [`Kept the DNS policy ${prior.policy}: it existed before psc-bridge.`];
  if (found.data.enableInboundForwarding === prior.enableInboundForwarding) {
    return { action: 'kept', notes };
  }
  await setInbound(ctx, prior.policy, prior.enableInboundForwarding);
  notes.push(`Turned inbound forwarding back ${prior.enableInboundForwarding ? 'on' : 'off'}.`);
  return { action: 'restored', notes };
}
