import { toCloudError } from '../../cloud/aws.js';
import type { CloudServices } from '../../cloud/clients.js';
import { type ConfigKey, FIELDS, type PartialConfig } from '../../config/fields.js';
import { CloudError, UserError } from '../../errors.js';
import type { StepId } from '../catalog.js';
import { MANAGED_BY, pollUntil } from '../shared.js';
import type { ApplyResult, StepContext } from '../types.js';

/** What every AWS step is handed. */
export type AwsContext = StepContext<CloudServices>;

export interface AwsTag {
  Key: string;
  Value: string;
}

/** The tags psc-bridge puts on what it creates: `managed-by` and `Name`. */
export function ownTags(name: string): AwsTag[] {
  return [
    { Key: MANAGED_BY.Key, Value: MANAGED_BY.Value },
    { Key: 'Name', Value: name },
  ];
}

export function hasOwnTag(tags: readonly { Key?: string; Value?: string }[] | undefined): boolean {
  return (tags ?? []).some((tag) => tag.Key === MANAGED_BY.Key && tag.Value === MANAGED_BY.Value);
}

/**
 * What apply did with a resource it found (or not): adopted when someone else made it;
 * unchanged when an earlier run of this step finished; created when that run crashed after
 * the create call and this one picked the resource up.
 */
export function actionFor(ctx: AwsContext, found: boolean, ours: boolean): ApplyResult['action'] {
  if (!found) return 'created';
  if (!ours) return 'adopted';
  return ctx.record.ownership === 'created' ? 'unchanged' : 'created';
}

/** A config value the step cannot do without (resolution should have supplied it). */
export function setting<K extends ConfigKey>(
  config: Readonly<PartialConfig>,
  key: K,
): NonNullable<PartialConfig[K]> {
  const value = config[key];
  if (value !== undefined && value !== null) return value as NonNullable<PartialConfig[K]>;
  const flag = FIELDS.find((field) => field.key === key)?.flag ?? key;
  throw new UserError(
    'MISSING_VALUE',
    `No value for ${flag}.`,
    `Pass ${flag} or set it in --config.`,
  );
}

/** A string output another step recorded, e.g. create-sg's `securityGroupId`. */
export function outputOf(ctx: AwsContext, step: StepId, key: string): string | undefined {
  const value = ctx.outputs(step)[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Like outputOf, but the step cannot go on without it. */
export function requireOutput(ctx: AwsContext, step: StepId, key: string): string {
  const value = outputOf(ctx, step, key);
  if (value !== undefined) return value;
  throw new UserError(
    'NEEDS_NOT_DONE',
    `${step} has not recorded ${key} in the state.`,
    `Run \`psc-bridge ${step}\` first.`,
  );
}

/** Runs one SDK call, mapping what it throws to a CloudError naming the API and resource. */
export async function call<T>(api: string, resource: string | undefined, run: () => Promise<T>) {
  try {
    return await run();
  } catch (error) {
    throw toCloudError(error, api, resource);
  }
}

/** True for a mapped AWS error with this code (and message fragment, when given). */
export function hasCode(error: unknown, code: string, fragment?: string | RegExp): boolean {
  if (!(error instanceof CloudError) || error.code !== code) return false;
  if (fragment === undefined) return true;
  return typeof fragment === 'string'
    ? error.message.includes(fragment)
    : fragment.test(error.message);
}

/** Reads every page of a paginated list. */
export async function allPages<T>(
  page: (next: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let next: string | undefined;
  do {
    const answer = await page(next);
    all.push(...(answer.items ?? []));
    next = answer.next;
  } while (next);
  return all;
}

/** `1m20s`, `45s`: elapsed time for progress lines. */
export function elapsedText(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

/**
 * Poll intervals: every 2 s for what takes minutes (a resolver endpoint, a group its network
 * interfaces still hold), under a hundred cheap reads well within the API's rate limits; every
 * second for what takes seconds (rules, associations).
 */
export const MINUTES_LONG = 2_000;
export const SECONDS_LONG = 1_000;

/**
 * Polls `check` every `intervalMs` (2 s unless given) until it returns a value or `timeoutMs`
 * passes. All are real-cloud durations, multiplied by the services' pollScale. `check` gets
 * the elapsed time so it can report it. A fixed interval, no backoff: each wait here is on an
 * operation that ends by itself within minutes, and every second of lateness in noticing its
 * end delays the whole chain behind it.
 */
export function waitFor<T>(
  ctx: AwsContext,
  what: string,
  timeoutMs: number,
  check: (elapsedMs: number) => Promise<T | undefined>,
  intervalMs: number = MINUTES_LONG,
): Promise<T> {
  const scale = ctx.services.pollScale;
  const began = Date.now();
  return pollUntil(() => check(Date.now() - began), {
    signal: ctx.signal,
    timeoutMs: timeoutMs * scale,
    intervalMs: intervalMs * scale,
    maxIntervalMs: intervalMs * scale,
    what,
    cloud: 'aws',
  });
}

/**
 * Waits until `look` finds nothing any more (a deletion done), showing the status it reports
 * meanwhile.
 */
export async function waitGone(
  ctx: AwsContext,
  what: string,
  timeoutMs: number,
  look: () => Promise<{ Status?: string } | undefined>,
  intervalMs: number = MINUTES_LONG,
): Promise<void> {
  const check = async (elapsedMs: number) => {
    const found = await look();
    if (!found) return true;
    ctx.progress(`${found.Status ?? 'DELETING'} ${elapsedText(elapsedMs)}`);
    return undefined;
  };
  await waitFor(ctx, `${what} to be deleted`, timeoutMs, check, intervalMs);
}

/** Strips the trailing dot(s) so `googleapis.com.` and `googleapis.com` compare equal. */
export function bareDomain(domain: string | undefined): string {
  return (domain ?? '').replace(/\.+$/, '').toLowerCase();
}

// ---------------------------------------------------------------------------------------
// `aws` command lines for `plan`

/** Quotes a value for a POSIX shell when it needs it. */
export function sh(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

/** A config value for a command line, or a placeholder when it is not known yet. */
export function shown(config: Readonly<PartialConfig>, key: ConfigKey): string {
  const value = config[key];
  if (Array.isArray(value)) return value.map(sh).join(' ');
  return typeof value === 'string' ? sh(value) : `<${key}>`;
}

/** One `aws` command line with the region (and profile) flags appended. */
export function awsLine(config: Readonly<PartialConfig>, ...words: string[]): string {
  const profile = config.awsProfile ? ` --profile ${sh(config.awsProfile)}` : '';
  return `aws ${words.join(' ')} --region ${shown(config, 'awsRegion')}${profile}`;
}

/**
 * A shell loop standing for a step's wait: runs an `aws` read (its words ending in `--query
 * ... --output text`) every 5 s until it prints `value`.
 */
export function untilLine(
  config: Readonly<PartialConfig>,
  value: string,
  ...words: string[]
): string {
  return `until [ "$(${awsLine(config, ...words)})" = ${value} ]; do sleep 5; done`;
}

/** A shell loop waiting for a deletion: polls an `aws` get every 5 s while it still succeeds. */
export function whileThereLine(config: Readonly<PartialConfig>, ...words: string[]): string {
  return `while ${awsLine(config, ...words)} >/dev/null 2>&1; do sleep 5; done`;
}

/** `Key=managed-by,Value=psc-bridge Key=Name,Value=<name>` for `--tags`. */
export function tagWords(name: string): string {
  return ownTags(name)
    .map((tag) => sh(`Key=${tag.Key},Value=${tag.Value}`))
    .join(' ');
}

/** The answer of a read, or undefined when the resource is not there (ResourceNotFound). */
export async function unlessNotFound<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (hasCode(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}
