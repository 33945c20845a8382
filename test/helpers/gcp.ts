import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createGcpClients,
  type GcpClients,
  operationRef,
  waitForComputeOperation,
} from '../../src/cloud/gcp.js';
import { CloudError } from '../../src/errors.js';
import { GCP_SEED } from '../../src/sandbox/gcp/world.js';
import type { SandboxProfile } from '../../src/sandbox/profile.js';
import type { SandboxServer } from '../../src/sandbox/server.js';
import { withSandbox } from './sandbox.js';

export const PROJECT = GCP_SEED.projectId;
export const REGION = GCP_SEED.region;

export interface GcpFixture {
  server: SandboxServer;
  clients: GcpClients;
}

/** A sandbox plus real SDK clients pointed at it (client construction is slow: once a file). */
export async function gcpFixture(profile: Partial<SandboxProfile> = {}): Promise<GcpFixture> {
  const server = await withSandbox({ profile });
  const clients = await createGcpClients({ projectId: PROJECT, endpoint: server.url });
  return { server, clients };
}

/** Changes the running sandbox's latency or faults (the server reads its profile live). */
export function setProfile(server: SandboxServer, profile: Partial<SandboxProfile>): void {
  Object.assign(server.profile, profile);
}

/** Enables services through Service Usage and polls the operation until done. */
export async function enableServices(clients: GcpClients, services: string[]): Promise<void> {
  const usage = await clients.serviceUsage();
  const { data } = await usage.services.batchEnable({
    parent: `projects/${PROJECT}`,
    requestBody: { serviceIds: services },
  });
  let operation = data;
  while (!operation.done) {
    await sleep(5);
    operation = (await usage.operations.get({ name: operation.name ?? '' })).data;
  }
}

/** Waits for what an SDK insert/patch/delete returned. */
export async function settle(clients: GcpClients, result: unknown) {
  return waitForComputeOperation(clients, operationRef(result));
}

/** Asserts that a call rejects with a CloudError of the given code (mapped by toCloudError). */
export async function rejectsWith(
  call: Promise<unknown>,
  map: (error: unknown) => CloudError,
  code: string,
  message?: RegExp,
): Promise<CloudError> {
  let caught: unknown;
  try {
    await call;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught !== undefined, `expected ${code}, but the call succeeded`);
  const mapped = map(caught);
  assert.ok(mapped instanceof CloudError);
  assert.equal(mapped.code, code, mapped.message);
  if (message) assert.match(mapped.message, message);
  return mapped;
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, 'condition not met in time');
    await sleep(10);
  }
}

/**
 * The arguments of a `gcloud` line as `plan` prints it, as a shell would split it (a trailing
 * `# comment` dropped). Only plain words are handled: a line that needs quoting fails here.
 */
export function gcloudArgs(line: string): string[] {
  const words = line
    .replace(/\s+#.*$/, '')
    .trim()
    .split(/\s+/);
  assert.equal(words.shift(), 'gcloud', `not a gcloud line: ${line}`);
  for (const word of words) assert.doesNotMatch(word, /['"\\$`]/, `needs a shell: ${line}`);
  return words;
}
