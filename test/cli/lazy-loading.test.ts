import assert from 'node:assert/strict';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const RUNBOOK = fileURLToPath(new URL('../../examples/runbook.json', import.meta.url));
const TRACER = fileURLToPath(new URL('../helpers/trace-modules.mjs', import.meta.url));

/** The packages whose loading `--help` must not pay for: cloud SDKs, prompts, spinner. */
const HEAVY = [
  '@aws-sdk/',
  '@smithy/',
  '@google-cloud/',
  'google-gax',
  'googleapis',
  'google-auth-library',
  '@inquirer/',
  'ora',
];

/** The packages (under node_modules) a run of the CLI loaded, by its module trace. */
async function packagesLoadedBy(args: string[]): Promise<Set<string>> {
  const cwd = await tempDir('psc-bridge-modules-');
  await copyFile(RUNBOOK, join(cwd, 'runbook.json'));
  const trace = join(cwd, 'modules.log');
  const result = await runCli(args, {
    cwd,
    env: {
      PSC_BRIDGE_MODULE_TRACE: trace,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${TRACER}`.trim(),
    },
  });
  assert.equal(result.code, 0, result.stderr);
  const packages = new Set<string>();
  for (const line of (await readFile(trace, 'utf8')).split('\n')) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(line);
    if (match?.[1]) packages.add(`${match[1]}/${match[2]}`);
  }
  return packages;
}

const under = (loaded: Set<string>, prefix: string) =>
  [...loaded].filter((path) => path.startsWith(prefix));

describe('what a command loads', () => {
  for (const args of [['--help'], ['setup', '--help'], ['create-psc', '--help'], ['--version']]) {
    test(`${args.join(' ')} loads no cloud SDK, prompt library or spinner`, async () => {
      const loaded = await packagesLoadedBy(args);
      assert.ok(under(loaded, 'commander/').length > 0, 'the trace sees commander');
      for (const heavy of HEAVY) assert.deepEqual(under(loaded, heavy), [], heavy);
    });
  }

  test('enable-apis loads one googleapis module, not Compute, AWS or all of it', async () => {
    const loaded = await packagesLoadedBy([
      'enable-apis',
      '--sandbox',
      '--config',
      'runbook.json',
      '--yes',
    ]);
    assert.ok(under(loaded, 'googleapis/build/src/apis/serviceusage/').length > 0);
    assert.deepEqual(under(loaded, 'googleapis/build/src/index.js'), []);
    assert.deepEqual(under(loaded, 'googleapis/build/src/apis/dns/'), []);
    assert.deepEqual(under(loaded, '@google-cloud/compute/'), []);
    assert.deepEqual(under(loaded, '@aws-sdk/'), []);
  });
});

test('setup loads only the Compute clients it uses, not the package index', async () => {
  const loaded = await packagesLoadedBy([
    'setup',
    '--sandbox',
    '--config',
    'runbook.json',
    '--yes',
  ]);
  const compute = '@google-cloud/compute/build/';
  assert.ok(loaded.has(`${compute}src/v1/routers_client.js`));
  for (const skipped of ['src/index.js', 'protos/protos.js', 'src/v1/instances_client.js']) {
    assert.equal(loaded.has(`${compute}${skipped}`), false, skipped);
  }
});
