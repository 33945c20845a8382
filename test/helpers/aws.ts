import assert from 'node:assert/strict';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import { createEc2, createResolver } from '../../src/cloud/aws.js';
import { SEED } from '../../src/sandbox/aws/seed.js';
import type { SandboxServer } from '../../src/sandbox/server.js';

export interface AwsClients {
  ec2: EC2Client;
  resolver: Route53ResolverClient;
  close(): void;
}

/** Real SDK clients, built by the project's own factory, pointed at a local endpoint. */
export async function awsClients(url: string, maxAttempts = 3): Promise<AwsClients> {
  const options = { region: SEED.region, endpoint: url, maxAttempts };
  const ec2 = await createEc2(options);
  const resolver = await createResolver(options);
  return {
    ec2,
    resolver,
    close: () => {
      ec2.destroy();
      resolver.destroy();
    },
  };
}

export function sandboxClients(server: SandboxServer, maxAttempts = 3): Promise<AwsClients> {
  return awsClients(server.url, maxAttempts);
}

/** Awaits a call that must fail with the given SDK error name and message fragment. */
export async function rejectsWith(
  call: Promise<unknown>,
  name: string,
  messagePart?: string | RegExp,
): Promise<Error> {
  let caught: unknown;
  try {
    await call;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof Error, `expected ${name}, but the call succeeded`);
  assert.equal(caught.name, name, `expected ${name}, got ${caught.name}: ${caught.message}`);
  if (typeof messagePart === 'string')
    assert.ok(caught.message.includes(messagePart), caught.message);
  else if (messagePart) assert.match(caught.message, messagePart);
  return caught;
}

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const RUNBOOK = {
  sgName: 'bigquery_vpn_test-resolver-outep-sg',
  sgDescription: 'sg for resolver outbound endpoint',
  endpointName: 'bigquery_vpn_test-outbound-endpoint',
  ruleName: 'bigquery_vpn_test-forwarding-rule',
  gcpSubnet: '10.146.0.0/24',
  forwarderIp: '10.146.0.3',
  domain: 'googleapis.com.',
  ips: ['10.128.1.16', '10.128.1.176'],
} as const;
