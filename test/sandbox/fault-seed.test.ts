import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ListResolverEndpointsCommand } from '@aws-sdk/client-route53resolver';
import { sandboxClients } from '../helpers/aws.js';
import { withSandbox } from '../helpers/sandbox.js';

/** The error names of `count` calls, each failing (faults on every call, no SDK retry). */
async function faultsOf(seed: number, count: number): Promise<string[]> {
  const server = await withSandbox({ profile: { faults: 1, faultSeed: seed } });
  const aws = await sandboxClients(server, 1);
  try {
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const error = await aws.resolver.send(new ListResolverEndpointsCommand({})).then(
        () => assert.fail('every call is a fault'),
        (caught: Error) => caught,
      );
      names.push(error.name);
    }
    return names;
  } finally {
    aws.close();
    await server.close();
  }
}

test('injected faults replay the same way for the same seed', async () => {
  const first = await faultsOf(7, 12);
  assert.deepEqual(await faultsOf(7, 12), first, 'same seed, same faults');
  assert.deepEqual(
    [...new Set(first)].sort(),
    ['InternalServiceErrorException', 'ThrottlingException'],
    'both kinds occur',
  );
});
