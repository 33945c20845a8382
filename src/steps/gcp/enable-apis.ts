import type { serviceusage_v1 } from 'googleapis/build/src/apis/serviceusage/v1.js';
import { CloudError, UserError } from '../../errors.js';
import { stepInfo } from '../catalog.js';
import type { CloudStep } from '../load.js';
import { pollUntil } from '../shared.js';
import type { ApplyResult, DestroyResult, Inspection } from '../types.js';
import {
  applied,
  call,
  createdByUs,
  type GcpContext,
  gcloud,
  pollOptions,
  setting,
} from './common.js';

const WANTED = ['servicedirectory.googleapis.com', 'dns.googleapis.com'];
const COMPUTE = 'compute.googleapis.com';
/** Real time allowed for an enable operation (before pollScale). */
const ENABLE_TIMEOUT_MS = 10 * 60_000;
const TOKEN = 'enable';

type Usage = serviceusage_v1.Serviceusage;
type Operation = serviceusage_v1.Schema$Operation;

export const step: CloudStep = {
  ...stepInfo('enable-apis'),
  cloud: 'gcp',

  async inspect(ctx): Promise<Inspection> {
    const enabled = await enabledServices(ctx);
    const missing = WANTED.filter((name) => !enabled.has(name));
    return {
      presence: missing.length === 0 ? 'present' : 'absent',
      resources: missing.length === 0 ? { services: WANTED.join(' ') } : {},
      differences: [],
    };
  },

  async apply(ctx): Promise<ApplyResult> {
    const enabled = await enabledServices(ctx);
    requireCompute(ctx, enabled);
    const missing = WANTED.filter((name) => !enabled.has(name));
    if (missing.length === 0) return alreadyOn(ctx);

    await ctx.token(TOKEN);
    // Recorded before the call too: a run that stops mid-way still tells the next one that
    // these APIs were just enabled, and their refusals are worth waiting out for a while.
    await ctx.checkpoint({
      resources: { services: WANTED.join(' ') },
      outputs: enabledNow(missing),
    });
    await enable(ctx, missing);
    return {
      action: 'created',
      ownership: 'created',
      resources: { services: WANTED.join(' ') },
      outputs: enabledNow(missing),
      notes: [`Enabled ${missing.join(' and ')}.`],
    };
  },

  async destroy(): Promise<DestroyResult> {
    return {
      action: 'kept',
      notes: [
        `${WANTED.join(' and ')} stay enabled: other workloads may use them, and disabling ` +
          'an API is not needed to remove the path.',
      ],
    };
  },

  commands(config, direction) {
    if (direction === 'destroy') return [];
    return [gcloud(config, 'services enable', ...WANTED)];
  },
};

/**
 * What the GCP steps read to tell an API still propagating from one that is off: which APIs
 * this step enabled, and when (see PROPAGATION_WINDOW_MS in common.ts).
 */
function enabledNow(services: string[]): { enabled: string[]; enabledAt: string } {
  return { enabled: services, enabledAt: new Date().toISOString() };
}

async function usageOf(ctx: GcpContext): Promise<Usage> {
  return (await ctx.services.gcp()).serviceUsage();
}

/** The services on in the project, from one paged list. */
async function enabledServices(ctx: GcpContext): Promise<Set<string>> {
  const usage = await usageOf(ctx);
  const parent = `projects/${setting(ctx.config, 'gcpProject')}`;
  const names = new Set<string>();
  let pageToken: string | undefined;
  do {
    const { data } = await call(ctx, 'serviceusage.services.list', parent, () =>
      usage.services.list({ parent, filter: 'state:ENABLED', pageSize: 200, pageToken }),
    );
    for (const service of data.services ?? []) {
      if (service.config?.name) names.add(service.config.name);
    }
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  return names;
}

/** The VPN this path rides on lives in Compute: without it there is nothing to build on. */
function requireCompute(ctx: GcpContext, enabled: Set<string>): void {
  if (enabled.has(COMPUTE)) return;
  const project = setting(ctx.config, 'gcpProject');
  throw new UserError(
    'COMPUTE_DISABLED',
    `${COMPUTE} is not enabled in project ${project}. The HA VPN, Cloud Router and VPC that ` +
      'psc-bridge builds on all need it, so the VPN cannot be in place yet.',
    `Enable it with \`gcloud services enable ${COMPUTE} --project=${project}\`, set up the ` +
      'VPN, then run again.',
  );
}

function alreadyOn(ctx: GcpContext): ApplyResult {
  const resources = { services: WANTED.join(' ') };
  if (applied(ctx) === 'created' || createdByUs(ctx, TOKEN)) {
    const action = applied(ctx) === 'created' ? 'unchanged' : 'created';
    return { action, ownership: 'created', resources };
  }
  return {
    action: 'adopted',
    ownership: 'adopted',
    resources,
    notes: [`${WANTED.join(' and ')} were already enabled; psc-bridge uses them as they are.`],
  };
}

/** Enables the services (batchEnable for several) and polls the operation until done. */
async function enable(ctx: GcpContext, services: string[]): Promise<void> {
  const usage = await usageOf(ctx);
  const project = setting(ctx.config, 'gcpProject');
  ctx.progress(`enabling ${services.join(', ')}`);
  const started = await call(ctx, 'serviceusage.services.enable', services.join(','), () =>
    services.length === 1
      ? usage.services.enable({ name: `projects/${project}/services/${services[0]}` })
      : usage.services.batchEnable({
          parent: `projects/${project}`,
          requestBody: { serviceIds: services },
        }),
  );
  const done = started.data.done ? started.data : await finished(ctx, usage, started.data);
  if (done.error) {
    throw new CloudError(
      'OPERATION_FAILED',
      `serviceusage.services.enable: ${done.error.message ?? 'the operation failed'}`,
      { cloud: 'gcp', api: 'serviceusage.services.enable', resource: services.join(',') },
    );
  }
}

function finished(ctx: GcpContext, usage: Usage, operation: Operation): Promise<Operation> {
  const name = operation.name ?? '';
  return pollUntil(
    async () => {
      const { data } = await call(ctx, 'serviceusage.operations.get', name, () =>
        usage.operations.get({ name }),
      );
      return data.done ? data : undefined;
    },
    pollOptions(ctx, 'the APIs to be enabled', ENABLE_TIMEOUT_MS),
  );
}
