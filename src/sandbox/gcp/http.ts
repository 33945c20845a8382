import type {
  Deferral,
  Operation,
  SandboxEnv,
  SandboxRequest,
  SandboxResult,
  ServiceModule,
  ServiceName,
  World,
} from '../types.js';
import type { GcpProject } from './world.js';

/**
 * An API failure in Google's form. Handlers throw it; the module turns it into the JSON error
 * body of its API (`errors[]` for Compute and Cloud DNS, `status` + details for Service Usage).
 */
export class GoogleApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'GoogleApiError';
  }
}

export const notFound = (message: string) => new GoogleApiError(404, 'notFound', message);
export const invalid = (message: string) => new GoogleApiError(400, 'invalid', message);
export const alreadyExists = (message: string) => new GoogleApiError(409, 'alreadyExists', message);

export function json(status: number, body: unknown): SandboxResult {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=UTF-8' },
    body: JSON.stringify(body),
  };
}

export function noContent(): SandboxResult {
  return { status: 204, headers: {}, body: '' };
}

/** The JSON error body of Compute and Cloud DNS (the classic Google API error). */
export function classicError(error: GoogleApiError): SandboxResult {
  const body = {
    error: {
      code: error.status,
      message: error.message,
      errors: [{ domain: 'global', reason: error.reason, message: error.message }],
    },
  };
  return { ...json(error.status, body), error: error.reason };
}

/** What a handler sees: the request, the world, and the parameters its route captured. */
export interface RouteContext {
  req: SandboxRequest;
  env: SandboxEnv;
  params: Record<string, string>;
}

export interface Route {
  method: string;
  operation: string;
  mutating: boolean;
  pattern: RegExp;
  run(ctx: RouteContext): SandboxResult | Deferral;
}

/**
 * Builds a route from a template such as `/v1/projects/{project}/services/{service}:enable`.
 * A `{param}` matches one path segment (no `/`, no `:`).
 */
export function route(
  method: string,
  template: string,
  operation: string,
  run: (ctx: RouteContext) => SandboxResult | Deferral,
  mutating = method !== 'GET',
): Route {
  const source = template
    .split(/(\{[a-zA-Z]+\})/)
    .map((part) => {
      const param = /^\{([a-zA-Z]+)\}$/.exec(part);
      if (param) return `(?<${param[1]}>[^/:]+)`;
      return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    })
    .join('');
  return { method, operation, mutating, pattern: new RegExp(`^${source}$`), run };
}

export function findRoute(
  routes: Route[],
  req: SandboxRequest,
): { route: Route; params: Record<string, string> } | undefined {
  const method = effectiveMethod(req);
  for (const candidate of routes) {
    if (candidate.method !== method) continue;
    const match = candidate.pattern.exec(req.path);
    if (!match) continue;
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(match.groups ?? {})) {
      params[key] = decodeURIComponent(value);
    }
    return { route: candidate, params };
  }
  return undefined;
}

/** Google APIs accept `X-HTTP-Method-Override` on POST (apitools uses it for PATCH). */
function effectiveMethod(req: SandboxRequest): string {
  const override = req.headers['x-http-method-override'];
  return req.method === 'POST' && override ? override.toUpperCase() : req.method;
}

export interface GcpModuleSpec {
  service: ServiceName;
  matches(req: SandboxRequest): boolean;
  routes: Route[];
  render(error: GoogleApiError): SandboxResult;
  transientFault(op: Operation, env: SandboxEnv): SandboxResult;
  advance(world: World, now: number): void;
}

/** A ServiceModule answering through a route table, errors rendered in the API's form. */
export function gcpModule(spec: GcpModuleSpec): ServiceModule {
  return {
    service: spec.service,
    matches: spec.matches,
    identify(req) {
      const found = findRoute(spec.routes, req);
      if (!found) return undefined;
      return { operation: found.route.operation, mutating: found.route.mutating };
    },
    handle(req, _op, env) {
      const found = findRoute(spec.routes, req);
      if (!found) return spec.render(unmodelled(spec.service, req));
      try {
        return found.route.run({ req, env, params: found.params });
      } catch (error) {
        if (error instanceof GoogleApiError) return spec.render(error);
        throw error;
      }
    },
    unknownOperation: (req) => spec.render(unmodelled(spec.service, req)),
    transientFault: spec.transientFault,
    advance: spec.advance,
  };
}

function unmodelled(service: string, req: SandboxRequest): GoogleApiError {
  return new GoogleApiError(
    501,
    'notImplemented',
    `The psc-bridge sandbox does not emulate this ${service} operation: ` +
      `${req.method} ${req.path}`,
  );
}

/** Parses a JSON request body into an object (an empty body is `{}`). */
export function bodyOf(req: SandboxRequest): Record<string, unknown> {
  if (req.body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body);
  } catch {
    throw new GoogleApiError(400, 'parseError', 'Parse Error');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GoogleApiError(400, 'parseError', 'Parse Error');
  }
  return parsed as Record<string, unknown>;
}

/** Finds a project by id or by number. */
export function findProject(world: World, idOrNumber: string): GcpProject | undefined {
  const projects = world.gcp.projects;
  return (
    projects[idOrNumber] ??
    Object.values(projects).find((each) => each.projectNumber === idOrNumber)
  );
}

/** A fresh uint64-style decimal id, as Compute and Cloud DNS use. */
export function numericId(env: SandboxEnv): string {
  return BigInt(`0x1${env.hex(14)}`).toString();
}

export function fingerprint(env: SandboxEnv): string {
  return Buffer.from(env.hex(16), 'hex').toString('base64');
}

export function timestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/** A uniformly drawn duration between `low` and `high` realistic milliseconds, scaled. */
export function between(env: SandboxEnv, low: number, high: number): number {
  const draw = Number.parseInt(env.hex(4), 16) / 0xffff;
  return env.work(low + (high - low) * draw);
}

/** Splits a list into the page asked for by `pageToken` / `maxResults` (or `pageSize`). */
export function paginate<T>(
  items: T[],
  query: URLSearchParams,
  sizeKey = 'maxResults',
): { page: T[]; nextPageToken?: string } {
  const start = Number(query.get('pageToken') ?? '0') || 0;
  const size = Math.min(Number(query.get(sizeKey) ?? '500') || 500, 500);
  const page = items.slice(start, start + size);
  if (start + size >= items.length) return { page };
  return { page, nextPageToken: String(start + size) };
}

export function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
}

export function objectList(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (each): each is Record<string, unknown> => typeof each === 'object' && each !== null,
  );
}

export function stringMap(value: unknown): Record<string, string> {
  const map: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return map;
  for (const [key, each] of Object.entries(value)) {
    if (typeof each === 'string') map[key] = each;
  }
  return map;
}
