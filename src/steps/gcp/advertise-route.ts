import type { PartialConfig } from '../../config/fields.js';
import { stepInfo } from '../catalog.js';
import type { CloudStep } from '../load.js';
import type { ApplyResult, DestroyResult, Inspection } from '../types.js';
import {
  applied,
  call,
  changeKey,
  type GcpContext,
  gcloud,
  requestIdOf,
  setting,
  settle,
  shown,
} from './common.js';
import {
  type AddPlan,
  advertOf,
  type Prior,
  planAdd,
  planRemove,
  priorOf,
  type Router,
} from './router-ads.js';

export const step: CloudStep = {
  ...stepInfo('advertise-route'),
  cloud: 'gcp',

  async inspect(ctx): Promise<Inspection> {
    const router = await readRouter(ctx);
    const range = rangeOf(ctx.config);
    const advert = advertOf(router.bgp);
    const present = advert.mode === 'CUSTOM' && advert.ranges.includes(range);
    // CUSTOM-mode peers override the router's list: apply adds the /32 to them with a yes.
    const lacking = planAdd(router, range, false, undefined).untouched;
    return {
      presence: present ? 'present' : 'absent',
      resources: present ? { router: routerName(ctx.config) } : {},
      differences: [],
      ...(lacking.length > 0
        ? { consent: [`add ${range} to the CUSTOM-mode BGP peers ${lacking.join(', ')}`] }
        : {}),
    };
  },

  async apply(ctx): Promise<ApplyResult> {
    const range = rangeOf(ctx.config);
    const router = await readRouter(ctx);
    const recorded = priorOf(ctx.record.prior);
    const plan = planAdd(router, range, ctx.assumeYes, recorded);

    const changing = plan.bgp !== undefined || plan.peers !== undefined;
    if (changing) {
      await ctx.checkpoint({ prior: plan.prior });
      await patch(ctx, plan);
    }
    return {
      action: actionOf(ctx, changing, plan.prior),
      ownership: owns(plan.prior) ? 'created' : 'adopted',
      resources: { router: routerName(ctx.config) },
      outputs: { advertisedRange: range },
      notes: applyNotes(router, range, plan, recorded),
    };
  },

  async destroy(ctx): Promise<DestroyResult> {
    const prior = priorOf(ctx.record.prior);
    if (!prior || !owns(prior)) {
      if (applied(ctx) !== 'adopted') return { action: 'absent' };
      return {
        action: 'kept',
        notes: [`The /32 was advertised before psc-bridge; it stays on ${routerName(ctx.config)}.`],
      };
    }
    const plan = planRemove(await readRouter(ctx), rangeOf(ctx.config), prior);
    if (!plan.router) return { action: 'absent', notes: plan.notes };
    await update(ctx, plan.router);
    return {
      action: 'restored',
      notes: [`Removed ${rangeOf(ctx.config)} from the router's advertisements.`, ...plan.notes],
    };
  },

  commands(config, direction) {
    const update = (...flags: string[]) =>
      gcloud(
        config,
        'compute routers update',
        shown(config, 'gcpRouter'),
        `--region=${shown(config, 'gcpRegion')}`,
        ...flags,
      );
    const range = `${shown(config, 'pscIp')}/32`;
    // gcloud refuses --add/--remove-advertisement-* next to --advertisement-mode or
    // --set-advertisement-*, and the incremental flags refuse a DEFAULT-mode router: switching
    // the mode is a command of its own, run only when the router is (or was) DEFAULT.
    if (direction === 'destroy') {
      return [
        update(`--remove-advertisement-ranges=${range}`),
        `${update('--advertisement-mode=default')}  ` +
          '# only if it was DEFAULT before psc-bridge and advertises nothing else now',
      ];
    }
    return [
      `${update('--advertisement-mode=custom', '--set-advertisement-groups=all_subnets')}  ` +
        '# only while the router advertises in DEFAULT mode',
      update(`--add-advertisement-ranges=${range}`),
    ];
  },
};

function rangeOf(config: Readonly<PartialConfig>): string {
  return `${setting(config, 'pscIp')}/32`;
}

function routerName(config: Readonly<PartialConfig>): string {
  return setting(config, 'gcpRouter');
}

function owns(prior: Prior): boolean {
  return prior.router !== undefined || Object.keys(prior.peers).length > 0;
}

async function readRouter(ctx: GcpContext): Promise<Router> {
  const { compute, projectId } = await ctx.services.gcp();
  const router = routerName(ctx.config);
  const [found] = await call(ctx, 'compute.routers.get', router, () =>
    compute.routers.get({ project: projectId, region: setting(ctx.config, 'gcpRegion'), router }),
  );
  return found;
}

/** Patches the advertisement (lists replace whole, so `plan` holds the merged lists). */
async function patch(ctx: GcpContext, plan: AddPlan): Promise<void> {
  const clients = await ctx.services.gcp();
  const router = routerName(ctx.config);
  const routerResource: Router = {
    ...(plan.bgp ? { bgp: plan.bgp } : {}),
    ...(plan.peers ? { bgpPeers: plan.peers } : {}),
  };
  const requestId = await requestIdOf(ctx, changeKey('patch', routerResource));
  ctx.progress(`advertising ${rangeOf(ctx.config)} from ${router}`);
  const answer = await call(ctx, 'compute.routers.patch', router, () =>
    clients.compute.routers.patch({
      project: clients.projectId,
      region: setting(ctx.config, 'gcpRegion'),
      router,
      requestId,
      routerResource,
    }),
  );
  await settle(ctx, clients, answer, 'compute.routers.patch', router);
}

/**
 * Writes the whole router back (`routers.update`, PUT). Teardown may need to empty a list,
 * and the Compute SDK drops empty lists from a merge patch, so a patch could not clear one.
 */
async function update(ctx: GcpContext, routerResource: Router): Promise<void> {
  const clients = await ctx.services.gcp();
  const router = routerName(ctx.config);
  const requestId = await requestIdOf(ctx, changeKey('restore', routerResource.bgp));
  ctx.progress(`removing ${rangeOf(ctx.config)} from ${router}`);
  const answer = await call(ctx, 'compute.routers.update', router, () =>
    clients.compute.routers.update({
      project: clients.projectId,
      region: setting(ctx.config, 'gcpRegion'),
      router,
      requestId,
      routerResource,
    }),
  );
  await settle(ctx, clients, answer, 'compute.routers.update', router);
}

function actionOf(ctx: GcpContext, changing: boolean, prior: Prior): ApplyResult['action'] {
  if (changing) return 'updated';
  if (applied(ctx) !== undefined) return 'unchanged';
  return owns(prior) ? 'updated' : 'adopted';
}

function applyNotes(
  router: Router,
  range: string,
  plan: AddPlan,
  recorded: Prior | undefined,
): string[] {
  const notes: string[] = [];
  if (!plan.bgp && !recorded?.router) {
    notes.push(`The router already advertised ${range}; psc-bridge adopts it and keeps it.`);
  }
  if (plan.bgp && advertOf(router.bgp).mode === 'DEFAULT') {
    notes.push('Switched the router to CUSTOM advertisement with ALL_SUBNETS plus the /32.');
  }
  const touched = Object.keys(plan.prior.peers).filter((name) => !recorded?.peers[name]);
  if (touched.length > 0) {
    notes.push(`Added ${range} to the CUSTOM-mode BGP peers ${touched.join(', ')} as well.`);
  }
  if (plan.untouched.length > 0) {
    notes.push(
      `The BGP peers ${plan.untouched.join(', ')} advertise in CUSTOM mode and will not carry ` +
        `${range}. Rerun with --yes to add it to them too (teardown removes it again).`,
    );
  }
  return notes;
}
