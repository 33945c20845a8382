import type { SandboxEnv, SandboxResult, World } from '../types.js';
import {
  between,
  bodyOf,
  findProject,
  GoogleApiError,
  gcpModule,
  json,
  paginate,
  type RouteContext,
  route,
} from './http.js';
import type { GcpProject, ServiceOperationRecord } from './world.js';

/** The services the emulator knows (any other name is refused like an unknown service). */
const CATALOG: Record<string, string> = {
  'compute.googleapis.com': 'Compute Engine API',
  'dns.googleapis.com': 'Cloud DNS API',
  'servicedirectory.googleapis.com': 'Service Directory API',
  'serviceusage.googleapis.com': 'Service Usage API',
  'bigquery.googleapis.com': 'BigQuery API',
  'storage.googleapis.com': 'Cloud Storage API',
};

/** Service Usage refuses more than 20 services in one batchEnable. */
const BATCH_LIMIT = 20;
/** How long a freshly enabled API keeps refusing calls ("wait for it to propagate"). */
const PROPAGATION_MS = 5_000;

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
};

/** Service Usage speaks the newer error form: `status` and typed details, no `errors[]`. */
function rpcError(error: GoogleApiError): SandboxResult {
  const body = {
    error: {
      code: error.status,
      message: error.message,
      status: STATUS_NAMES[error.status] ?? 'UNKNOWN',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: error.reason,
          domain: 'serviceusage.googleapis.com',
        },
      ],
    },
  };
  return { ...json(error.status, body), error: error.reason };
}

function projectOf(ctx: RouteContext): GcpProject {
  const project = findProject(ctx.env.world, ctx.params.project ?? '');
  if (project) return project;
  throw new GoogleApiError(
    403,
    'USER_PROJECT_DENIED',
    `Permission denied on resource project ${ctx.params.project ?? ''}.`,
  );
}

function checkKnown(names: string[]): void {
  const unknown = names.filter((name) => !(name in CATALOG));
  if (unknown.length === 0) return;
  throw new GoogleApiError(
    403,
    'SERVICE_CONFIG_NOT_FOUND_OR_PERMISSION_DENIED',
    `Not found or permission denied for service(s): ${unknown.join(', ')}.`,
  );
}

function serviceView(project: GcpProject, name: string) {
  const state = project.services[name]?.state ?? 'DISABLED';
  return {
    name: `projects/${project.projectNumber}/services/${name}`,
    config: { name, title: CATALOG[name] ?? name },
    state,
    parent: `projects/${project.projectNumber}`,
  };
}

function getService(ctx: RouteContext): SandboxResult {
  const project = projectOf(ctx);
  const name = ctx.params.service ?? '';
  checkKnown([name]);
  return json(200, serviceView(project, name));
}

function listServices(ctx: RouteContext): SandboxResult {
  const project = projectOf(ctx);
  const filter = (ctx.req.query.get('filter') ?? '').replace(/\s+/g, '');
  if (filter !== '' && !/^state:(ENABLED|DISABLED)$/.test(filter)) {
    throw new GoogleApiError(400, 'INVALID_ARGUMENT', `Invalid filter: ${filter}`);
  }
  const views = Object.keys(CATALOG)
    .sort()
    .map((name) => serviceView(project, name))
    .filter((view) => filter === '' || `state:${view.state}` === filter);
  const { page, nextPageToken } = paginate(views, ctx.req.query, 'pageSize');
  return json(200, { services: page, nextPageToken });
}

function startEnable(ctx: RouteContext, names: string[], batch: boolean): SandboxResult {
  const project = projectOf(ctx);
  checkKnown(names);
  const { env } = ctx;
  const pending = names.filter((name) => project.services[name]?.state !== 'ENABLED');
  const now = env.now();
  const record: ServiceOperationRecord = {
    name: `operations/acat.p2-${project.projectNumber}-${uuid(env)}`,
    services: names,
    batch,
    createdAt: now,
    doneAt: pending.length === 0 ? now : now + between(env, 20_000, 40_000),
    done: false,
    propagationMs: env.work(PROPAGATION_MS),
  };
  project.serviceOperations[record.name] = record;
  settle(project, record, now);
  return json(200, operationView(project, record));
}

function enable(ctx: RouteContext): SandboxResult {
  return startEnable(ctx, [ctx.params.service ?? ''], false);
}

function batchEnable(ctx: RouteContext): SandboxResult {
  const ids = bodyOf(ctx.req).serviceIds;
  const names = Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : [];
  if (names.length === 0 || names.length > BATCH_LIMIT) {
    throw new GoogleApiError(
      400,
      'INVALID_ARGUMENT',
      `serviceIds must name between 1 and ${BATCH_LIMIT} services.`,
    );
  }
  return startEnable(ctx, names, true);
}

function getOperation(ctx: RouteContext): SandboxResult {
  const name = `operations/${ctx.params.operation ?? ''}`;
  for (const project of Object.values(ctx.env.world.gcp.projects)) {
    const record = project.serviceOperations[name];
    if (record) return json(200, operationView(project, record));
  }
  throw new GoogleApiError(404, 'NOT_FOUND', `Operation ${name} not found.`);
}

function operationView(project: GcpProject, record: ServiceOperationRecord) {
  const metadata = {
    '@type': 'type.googleapis.com/google.api.serviceusage.v1.OperationMetadata',
    resourceNames: record.services.map(
      (name) => `projects/${project.projectNumber}/services/${name}`,
    ),
  };
  if (!record.done) return { name: record.name, metadata, done: false };
  const services = record.services.map((name) => serviceView(project, name));
  const response = record.batch
    ? {
        '@type': 'type.googleapis.com/google.api.serviceusage.v1.BatchEnableServicesResponse',
        services,
      }
    : {
        '@type': 'type.googleapis.com/google.api.serviceusage.v1.EnableServiceResponse',
        service: services[0],
      };
  return { name: record.name, metadata, done: true, response };
}

function settle(project: GcpProject, record: ServiceOperationRecord, now: number): void {
  if (record.done || now < record.doneAt) return;
  record.done = true;
  for (const name of record.services) {
    if (project.services[name]?.state === 'ENABLED') continue;
    project.services[name] = { state: 'ENABLED', usableAt: record.doneAt + record.propagationMs };
  }
}

function uuid(env: SandboxEnv): string {
  const hex = env.hex(32);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ].join('-');
}

/**
 * Whether a project may call an API now. A disabled API, or one enabled moments ago, answers
 * 403 `accessNotConfigured` like the real services do.
 */
export function requireService(project: GcpProject, service: string, now: number): void {
  const record = project.services[service];
  if (record?.state === 'ENABLED' && (record.usableAt ?? 0) <= now) return;
  const title = CATALOG[service] ?? service;
  throw new GoogleApiError(
    403,
    'accessNotConfigured',
    `${title} has not been used in project ${project.projectNumber} before or it is ` +
      'disabled. Enable it by visiting https://console.developers.google.com/apis/api/' +
      `${service}/overview?project=${project.projectNumber} then retry. If you enabled this ` +
      'API recently, wait a few minutes for the action to propagate to our systems and retry.',
  );
}

export const serviceUsageModule = gcpModule({
  service: 'serviceusage',
  matches: (req) => req.path.startsWith('/v1/projects/') || req.path.startsWith('/v1/operations/'),
  routes: [
    route(
      'GET',
      '/v1/projects/{project}/services/{service}',
      'serviceusage.services.get',
      getService,
    ),
    route('GET', '/v1/projects/{project}/services', 'serviceusage.services.list', listServices),
    route(
      'POST',
      '/v1/projects/{project}/services/{service}:enable',
      'serviceusage.services.enable',
      enable,
    ),
    route(
      'POST',
      '/v1/projects/{project}/services:batchEnable',
      'serviceusage.services.batchEnable',
      batchEnable,
    ),
    route('GET', '/v1/operations/{operation}', 'serviceusage.operations.get', getOperation),
  ],
  render: rpcError,
  transientFault: (op) =>
    rpcError(
      op.mutating
        ? new GoogleApiError(503, 'backendError', 'The service is currently unavailable.')
        : new GoogleApiError(429, 'RATE_LIMIT_EXCEEDED', 'Quota exceeded for quota metric.'),
    ),
  advance(world: World, now: number) {
    for (const project of Object.values(world.gcp.projects)) {
      for (const record of Object.values(project.serviceOperations)) {
        settle(project, record, now);
      }
    }
  },
});
