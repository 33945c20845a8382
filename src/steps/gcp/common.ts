import { createHash } from 'node:crypto';
import type { CloudServices } from '../../cloud/clients.js';
import {
  type ComputeOperation,
  type GcpClients,
  operationRef,
  toCloudError,
  waitForComputeOperation,
} from '../../cloud/gcp.js';
import { type Config, type ConfigKey, FIELDS, type PartialConfig } from '../../config/fields.js';
import { CloudError, InterruptedError, UserError } from '../../errors.js';
import { isTransient, type PollOptions, retrying } from '../shared.js';
import type { StepContext } from '../types.js';

export type GcpContext = StepContext<CloudServices>;

const COMPUTE_V1 = 'https://www.googleapis.com/compute/v1/';

/** A config value the step reads; the engine resolves them all before a step runs. */
export function setting<K extends ConfigKey>(config: Readonly<PartialConfig>, key: K): Config[K] {
  const value = config[key];
  if (value !== undefined) return value as Config[K];
  const flag = FIELDS.find((field) => field.key === key)?.flag ?? key;
  throw new UserError('MISSING_CONFIG', `No value for ${key}.`, `Pass ${flag}.`);
}

/** `projects/p/global/networks/n`, the form links end with whatever their host. */
export function networkPath(config: Readonly<PartialConfig>): string {
  const project = setting(config, 'gcpProject');
  return `projects/${project}/global/networks/${setting(config, 'gcpNetwork')}`;
}

/** The full network URL, as Cloud DNS wants it and Compute accepts it. */
export function networkUrl(config: Readonly<PartialConfig>): string {
  return `${COMPUTE_V1}${networkPath(config)}`;
}

/** The full URL of a project-relative Compute resource, e.g. `global/addresses/x`. */
export function computeUrl(config: Readonly<PartialConfig>, relative: string): string {
  return `${COMPUTE_V1}projects/${setting(config, 'gcpProject')}/${relative}`;
}

/** True when a link names `path`, whatever host or API version it was given with. */
export function linksTo(link: string | null | undefined, path: string): boolean {
  return typeof link === 'string' && (link === path || link.endsWith(`/${path}`));
}

/** The last segment of a link: a region or resource name. */
export function lastSegment(link: string | null | undefined): string {
  return (link ?? '').split('/').filter(Boolean).pop() ?? '';
}

/**
 * How long after enable-apis turned an API on its refusals are taken for propagation (the
 * services say "wait a few minutes"); later, or for an API it did not turn on, a refusal
 * means the API is off and waiting would only delay the error.
 */
export const PROPAGATION_WINDOW_MS = 10 * 60_000;

/**
 * Retries a call that failed for a passing reason: 5xx, rate limits, `resourceNotReady`, and
 * the refusals (`accessNotConfigured`) of an API that enable-apis enabled moments ago.
 */
export function retryable(ctx: GcpContext, error: unknown): boolean {
  if (isTransient(error)) return true;
  return error instanceof CloudError && error.code === 'API_NOT_ENABLED' && propagating(ctx, error);
}

/** An inspection retries only what is transient; waiting out an API being enabled is for runs. */
function retryableIn(ctx: GcpContext): (error: unknown) => boolean {
  return ctx.phase === 'inspect' ? isTransient : (error) => retryable(ctx, error);
}

/** When enable-apis (this run or an earlier one) enabled the refused API, and how long ago. */
function enabledByUs(
  ctx: GcpContext,
  error: CloudError,
): { service: string; at: number } | undefined {
  const outputs = ctx.outputs('enable-apis');
  const enabled = Array.isArray(outputs.enabled) ? outputs.enabled.map(String) : [];
  const at = typeof outputs.enabledAt === 'string' ? Date.parse(outputs.enabledAt) : Number.NaN;
  const service = refusedService(error);
  if (Number.isNaN(at) || (service ? !enabled.includes(service) : enabled.length === 0)) {
    return undefined;
  }
  return { service: service ?? enabled.join(', '), at };
}

function propagating(ctx: GcpContext, error: CloudError): boolean {
  const enabled = enabledByUs(ctx, error);
  return enabled !== undefined && Date.now() - enabled.at < PROPAGATION_WINDOW_MS;
}

/**
 * The API a refusal is about. The message links its console page (`apis/api/<name>/`); a
 * Compute call can be refused for another API (a forwarding rule needs Service Directory).
 */
export function refusedService(error: CloudError): string | undefined {
  const linked = /apis\/api\/([a-z0-9.-]+\.googleapis\.com)/.exec(error.message)?.[1];
  if (linked) return linked;
  const prefix = error.details.api.split('.')[0];
  return prefix ? `${prefix}.googleapis.com` : undefined;
}

/** A refusal for a disabled API, said plainly: which API, and what turns it on. */
function disabledApi(ctx: GcpContext, error: CloudError): CloudError {
  const service = refusedService(error) ?? 'an API psc-bridge needs';
  const project = setting(ctx.config, 'gcpProject');
  const enabled = enabledByUs(ctx, error);
  const hint =
    enabled && propagating(ctx, error)
      ? `psc-bridge enabled it at ${new Date(enabled.at).toISOString()}; the change can take a ` +
        'few minutes to reach every Google system. Wait a little and run the same command again.'
      : `Run \`psc-bridge enable-apis\` (or \`gcloud services enable ${service} ` +
        `--project=${project}\`), then run again.`;
  return new CloudError(
    'API_NOT_ENABLED',
    `${service} is not enabled in project ${project}, so ${error.details.api} was refused.`,
    { ...error.details, transient: false },
    hint,
  );
}

/** Makes one GCP call, mapping what the SDK throws and retrying passing failures. */
export async function call<T>(
  ctx: GcpContext,
  api: string,
  resource: string,
  send: () => Promise<T>,
): Promise<T> {
  const trace = ctx.services.trace;
  const once = async () => {
    const started = Date.now();
    try {
      const result = await send();
      trace?.(`gcp ${api} ${resource} ok (${Date.now() - started} ms)`);
      return result;
    } catch (error) {
      const mapped = toCloudError(error, api, resource);
      trace?.(`gcp ${api} ${resource} failed: ${mapped.code} (${Date.now() - started} ms)`);
      throw mapped;
    }
  };
  try {
    return await retrying(once, {
      signal: ctx.signal,
      attempts: 7,
      delayMs: 2_000 * ctx.services.pollScale,
      retryable: retryableIn(ctx),
    });
  } catch (error) {
    if (error instanceof CloudError && error.code === 'API_NOT_ENABLED') {
      throw disabledApi(ctx, error);
    }
    throw error;
  }
}

/**
 * Sends a create through `call`. Cloud DNS creates carry no idempotency id the way Compute's
 * `requestId` does, so a retry after an answer lost in transit meets 409 for what the first
 * try made. Then `isOurs` re-reads: when what exists is what was asked, the create is taken
 * as done (answering undefined); otherwise, and for a 409 on the first try, the error stands
 * and `disown` takes back the step's claim on the resource.
 */
export async function createOnce<T>(
  ctx: GcpContext,
  api: string,
  resource: string,
  send: () => Promise<T>,
  isOurs: () => Promise<boolean>,
  disown: () => Promise<void>,
): Promise<T | undefined> {
  let tries = 0;
  try {
    return await call(ctx, api, resource, () => {
      tries += 1;
      return send();
    });
  } catch (error) {
    const retried = tries > 1 && error instanceof CloudError && error.code === 'ALREADY_EXISTS';
    if (retried && (await isOurs())) {
      ctx.services.trace?.(`gcp ${api} ${resource}: a retry found it made, taken as created`);
      return undefined;
    }
    // Someone else's, made since the step looked: claim nothing, so teardown leaves it.
    if (error instanceof CloudError && error.code === 'ALREADY_EXISTS') await disown();
    throw error;
  }
}

/**
 * A Compute insert under the step's token `token`, waited for until done. When it meets
 * ALREADY_EXISTS (a resource someone made since the step looked: our own repeat would be
 * answered as a replay, not refused), the token goes, so nothing counts that resource as
 * psc-bridge's.
 */
export async function insertOnce(
  ctx: GcpContext,
  token: string,
  api: string,
  resource: string,
  send: (clients: GcpClients, requestId: string) => Promise<unknown>,
): Promise<ComputeOperation> {
  const clients = await ctx.services.gcp();
  const requestId = await requestIdOf(ctx, token);
  let answer: unknown;
  try {
    answer = await call(ctx, api, resource, () => send(clients, requestId));
  } catch (error) {
    if (error instanceof CloudError && error.code === 'ALREADY_EXISTS') await ctx.forget(token);
    throw error;
  }
  return settle(ctx, clients, answer, api, resource);
}

/** Like `call`, but a 404 reads as undefined: the resource is absent. */
export function read<T>(
  ctx: GcpContext,
  api: string,
  resource: string,
  send: () => Promise<T>,
): Promise<T | undefined> {
  return orAbsent(call(ctx, api, resource, send));
}

/** What a mapped call resolved to, or undefined when it failed with NOT_FOUND. */
export async function orAbsent<T>(pending: Promise<T>): Promise<T | undefined> {
  try {
    return await pending;
  } catch (error) {
    if (error instanceof CloudError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

/** Waits for the Compute operation an insert/patch/delete answered, reporting its status. */
export async function settle(
  ctx: GcpContext,
  clients: GcpClients,
  answer: unknown,
  api: string,
  resource: string,
): Promise<ComputeOperation> {
  const op = await waitForComputeOperation(clients, operationRef(answer), {
    api,
    resource,
    onStatus: (status, elapsed) => ctx.progress(`${resource}: ${status} (${seconds(elapsed)})`),
  });
  if (ctx.signal.aborted) throw new InterruptedError();
  return op;
}

export function seconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

/** Polling settings for a client-side wait, scaled for the sandbox. */
export function pollOptions(ctx: GcpContext, what: string, timeoutMs: number): PollOptions {
  const scale = ctx.services.pollScale;
  return {
    signal: ctx.signal,
    timeoutMs: timeoutMs * scale,
    intervalMs: 1_000 * scale,
    maxIntervalMs: 5_000 * scale,
    what,
    cloud: 'gcp',
    onWait: (elapsed) => ctx.progress(`waiting for ${what} (${seconds(elapsed)})`),
  };
}

/** A token name that is the same for the same change, so a rerun replays only that change. */
export function changeKey(prefix: string, change: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(change)).digest('hex');
  return `${prefix}-${digest.slice(0, 12)}`;
}

/**
 * How the last successful apply of this step left it, or undefined when it never finished or
 * was torn down since (teardown clears the record).
 */
export function applied(ctx: GcpContext): 'created' | 'adopted' | undefined {
  return ctx.record.ownership;
}

/** True when this step asked the cloud to create `name` (its token reached the state first). */
/**
 * The Compute `requestId` for an insert or patch: from the step's token, so every retry and
 * every resumed run sends the same one and a repeat is a no-op. Compute remembers request ids
 * for an hour or more, though: once the step has finished, a later run that must create or
 * patch again (what it made was removed behind psc-bridge's back) would be answered as a
 * replay and change nothing. So the id also depends on when the step last finished.
 */
export async function requestIdOf(ctx: GcpContext, name: string): Promise<string> {
  const token = await ctx.token(name);
  const finished = ctx.record.finishedAt;
  if (finished === undefined) return token;
  const hex = createHash('sha256').update(`${token} ${finished}`).digest('hex');
  // Shaped as a version-5 UUID, the form Compute requires (any UUID but the zero one).
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `5${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}

export function createdByUs(ctx: GcpContext, name: string): boolean {
  return ctx.record.tokens[name] !== undefined;
}

/** Quotes a shell argument only when it needs it. */
export function sh(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

/** A config value for a command line, or a placeholder naming it. */
export function shown(config: Readonly<PartialConfig>, key: ConfigKey): string {
  const value = config[key];
  if (typeof value === 'string') return sh(value);
  return `<${key}>`;
}

/** One gcloud command line, with `--project` last like the runbook. */
export function gcloud(config: Readonly<PartialConfig>, ...parts: string[]): string {
  return ['gcloud', ...parts, `--project=${shown(config, 'gcpProject')}`].join(' ');
}
