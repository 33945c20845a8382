import type { SandboxEnv, SandboxResult } from '../../types.js';
import {
  findProject,
  GoogleApiError,
  invalid,
  json,
  notFound,
  paginate,
  type RouteContext,
} from '../http.js';
import { requireService } from '../serviceusage.js';
import type { GcpProject } from '../world.js';
import { applyFilter } from './filter.js';

/** Regions the emulator knows; each has zones `-a`, `-b` and `-c`. */
export const REGIONS = ['asia-northeast1', 'asia-northeast2', 'us-central1', 'europe-west1'];

export const NAME_PATTERN = '[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?';
const NAME = new RegExp(`^${NAME_PATTERN}$`);

export interface ComputeContext extends RouteContext {
  project: GcpProject;
}

/** Resolves the project of a Compute call; Compute must be enabled in it. */
export function computeContext(ctx: RouteContext): ComputeContext {
  const project = findProject(ctx.env.world, ctx.params.project ?? '');
  if (!project) throw notFound(`The resource 'projects/${ctx.params.project ?? ''}' was not found`);
  requireService(project, 'compute.googleapis.com', ctx.env.now());
  return { ...ctx, project };
}

export function requireRegion(region: string): void {
  if (!REGIONS.includes(region)) throw notFound(`The resource 'regions/${region}' was not found`);
}

/** Full link of a project-relative path, on the emulator's own host like the real API's. */
export function link(env: SandboxEnv, project: GcpProject, relative: string): string {
  return `${env.baseUrl}/compute/v1/projects/${project.projectId}/${relative}`;
}

/** `projects/p/relative`, as error messages name resources. */
export function resourcePath(project: GcpProject, relative: string): string {
  return `projects/${project.projectId}/${relative}`;
}

export function checkName(name: string | undefined, pattern = NAME, shown = NAME_PATTERN) {
  if (name && pattern.test(name)) return name;
  throw invalid(
    `Invalid value for field 'resource.name': '${name ?? ''}'. ` +
      `Must be a match of regex '${shown}'`,
  );
}

/**
 * Reads a reference to a global resource (`networks`, `addresses`) given as a full URL on
 * any host, a partial path or a bare name. Returns the name; refuses other projects.
 */
export function globalRef(
  project: GcpProject,
  value: string,
  collection: string,
  field: string,
): string {
  const pattern = new RegExp(`(?:^|/)(?:projects/([^/]+)/)?global/${collection}/([^/]+)$`);
  const match = pattern.exec(value);
  if (match) {
    const owner = match[1];
    if (owner && owner !== project.projectId && owner !== project.projectNumber) {
      throw invalid(
        `Invalid value for field '${field}': '${value}'. ` +
          'The psc-bridge sandbox models a single project per resource.',
      );
    }
    return match[2] ?? '';
  }
  if (NAME.test(value)) return value;
  throw invalid(`Invalid value for field '${field}': '${value}'. The URL is malformed.`);
}

/** A list answer (`compute#xList`) with filter and paging applied. */
export function listAnswer(
  ctx: ComputeContext,
  kind: string,
  relative: string,
  views: Record<string, unknown>[],
): SandboxResult {
  const selected = applyFilter(views, ctx.req.query.get('filter'));
  const { page, nextPageToken } = paginate(selected, ctx.req.query);
  return json(200, {
    kind,
    id: resourcePath(ctx.project, relative),
    items: page,
    selfLink: link(ctx.env, ctx.project, relative),
    nextPageToken,
  });
}

/** An aggregated list answer: every scope present, empty ones with the API's warning. */
export function aggregatedAnswer(
  ctx: ComputeContext,
  kind: string,
  collection: string,
  scopes: Record<string, Record<string, unknown>[]>,
): SandboxResult {
  const filter = ctx.req.query.get('filter');
  const items: Record<string, unknown> = {};
  for (const [scope, views] of Object.entries(scopes)) {
    const selected = applyFilter(views, filter);
    items[scope] =
      selected.length > 0
        ? { [collection]: selected }
        : {
            warning: {
              code: 'NO_RESULTS_ON_PAGE',
              message: `There are no results for scope '${scope}' on this page.`,
              data: [{ key: 'scope', value: scope }],
            },
          };
  }
  const relative = `aggregated/${collection}`;
  return json(200, {
    kind,
    id: resourcePath(ctx.project, relative),
    items,
    selfLink: link(ctx.env, ctx.project, relative),
  });
}

/** Region scopes (`regions/x`) for an aggregated list, from `region/name` keyed records. */
export function regionScopes<T extends { region?: string }>(
  records: T[],
  render: (record: T) => Record<string, unknown>,
): Record<string, Record<string, unknown>[]> {
  const scopes: Record<string, Record<string, unknown>[]> = {};
  for (const region of REGIONS) {
    scopes[`regions/${region}`] = records.filter((record) => record.region === region).map(render);
  }
  return scopes;
}

export function resourceNotReady(project: GcpProject, relative: string): GoogleApiError {
  return new GoogleApiError(
    400,
    'resourceNotReady',
    `The resource '${resourcePath(project, relative)}' is not ready`,
  );
}

/** Drops keys whose value is undefined or an empty list, as the API omits them. */
export function compact(view: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(view)) {
    if (value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out[key] = value;
  }
  return out;
}
