// Runs every test/**/*.test.ts with node's own runner (Node 20 does not expand globs itself).
// Every Node process of the run, CLI children included, gets test/helpers/net-guard.mjs
// preloaded; the run fails if any of them tried to reach an address other than loopback.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('.', import.meta.url).pathname;
const only = process.argv.slice(2);
const files = readdirSync(root, { recursive: true })
  .filter((file) => file.endsWith('.test.ts'))
  .filter((file) => only.length === 0 || only.some((part) => file.includes(part)))
  .sort()
  .map((file) => join('test', file));
if (files.length === 0) {
  console.error(`no test file matches ${only.join(' ')}`);
  process.exit(2);
}

const guard = pathToFileURL(join(root, 'helpers', 'net-guard.mjs')).href;
const logDir = mkdtempSync(join(tmpdir(), 'psc-bridge-net-guard-'));
const log = join(logDir, 'refused.log');
const env = {
  ...process.env,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${guard}`.trim(),
  PSC_BRIDGE_NET_GUARD_LOG: log,
};

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files],
  { stdio: 'inherit', env },
);

let refused = '';
try {
  refused = readFileSync(log, 'utf8');
} catch {
  // No attempt was refused: the guard never created the file.
}
rmSync(logDir, { recursive: true, force: true });
if (refused) {
  process.stderr.write(`\nnet-guard: the tests tried to leave this machine:\n${refused}`);
  process.exit(1);
}
console.error('net-guard: no test process tried to reach an address other than loopback');
process.exit(result.status ?? 1);
