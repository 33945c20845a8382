import type { CloudServices } from '../../cloud/clients.js';
import type { PartialConfig } from '../../config/fields.js';
import type { State, StepRecord } from '../../state/schema.js';
import type { StepId } from '../catalog.js';

/** One line of the verify checklist. */
export interface CheckResult {
  id: string;
  title: string;
  ok: boolean;
  /** Why it passed or failed, in words. */
  reason: string;
  /** What to do when it failed. */
  fix?: string;
}

/** Where the data-plane checks send their packets: the VPC's resolver and a way to reach an IP. */
export interface DataPlane {
  /** `ip` or `ip:port` of the DNS resolver to ask; undefined: the system's resolver. */
  resolver?: string;
  /** Where to connect to reach `ip` port 80 (the sandbox maps modelled IPs to loopback). */
  dial(ip: string): Promise<{ host: string; port: number; headers?: Record<string, string> }>;
  timeoutMs: number;
}

export interface CheckInput {
  config: PartialConfig;
  state: State | undefined;
  services: CloudServices;
}

export function recordOf(input: CheckInput, id: StepId): StepRecord | undefined {
  return input.state?.steps[id];
}

export function pass(id: string, title: string, reason: string): CheckResult {
  return { id, title, ok: true, reason };
}

export function fail(id: string, title: string, reason: string, fix: string): CheckResult {
  return { id, title, ok: false, reason, fix };
}

/** Runs a check, turning an unexpected error into a failed line rather than a crash. */
export async function guarded(
  id: string,
  title: string,
  check: () => Promise<CheckResult>,
  fix: string,
): Promise<CheckResult> {
  try {
    return await check();
  } catch (error) {
    return fail(id, title, messageOf(error), fix);
  }
}

/** An error's words; googleapis errors can carry the raw JSON body as their message. */
function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  try {
    const body = JSON.parse(message) as { error?: { message?: unknown } };
    return typeof body.error?.message === 'string' ? body.error.message : message;
  } catch {
    return message;
  }
}

export function networkUrl(project: string, network: string): string {
  return `https://www.googleapis.com/compute/v1/projects/${project}/global/networks/${network}`;
}

export function sameNetwork(link: string | null | undefined, network: string): boolean {
  return !!link && (link === network || link.endsWith(`/global/networks/${network}`));
}
