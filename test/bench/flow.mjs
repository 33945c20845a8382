// Setup and teardown on the sandbox with the realistic latency profile at a fixed speed factor.
// Prints, for each, the wall time against the critical path: the longest chain, through the
// step graph, of the modelled durations of the work each step waited for (the sandbox records
// every call's step and the modelled work it started). Then the no-op rerun's time and calls.
//   npm run bench            (SPEED=2 by default; SPEED=20 for a quick look)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { criticalPath } from '../../dist/engine/graph.js';
import { CATALOG } from '../../dist/steps/catalog.js';

const speed = Number(process.env.SPEED ?? 2);
const bin = fileURLToPath(new URL('../../bin/psc-bridge.js', import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'psc-bridge-bench-'));
copyFileSync(
  fileURLToPath(new URL('../../examples/runbook.json', import.meta.url)),
  join(cwd, 'runbook.json'),
);
const env = {
  ...process.env,
  PSC_BRIDGE_SANDBOX_LATENCY: 'realistic',
  PSC_BRIDGE_SANDBOX_SPEED: String(speed),
  NO_COLOR: '1',
};

function run(...args) {
  const began = performance.now();
  execFileSync(process.execPath, [bin, ...args, '--sandbox', '--config', 'runbook.json', '--yes'], {
    cwd,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return performance.now() - began;
}

const worldFile = join(cwd, '.psc-bridge-sandbox', 'world.json');
const calls = () =>
  existsSync(worldFile) ? JSON.parse(readFileSync(worldFile, 'utf8')).calls : [];
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

function measure(label, direction, args) {
  const from = calls().length;
  const wall = run(...args);
  const made = calls().slice(from);
  const work = new Map();
  for (const call of made) work.set(call.step, (work.get(call.step) ?? 0) + (call.workMs ?? 0));
  const path = criticalPath(CATALOG, direction, (id) => work.get(id) ?? 0);
  const window = made.at(-1).at - made[0].at;
  // A no-op rerun waits for no modelled work: there is no path to compare against.
  const ratios =
    path > 0
      ? `ratio ${(wall / path).toFixed(3)} (API window ${(window / path).toFixed(3)})`
      : 'no modelled work, no ratio';
  console.log(
    `${label}: wall ${seconds(wall)} (first to last API call ${seconds(window)}), ` +
      `critical path ${seconds(path)}; ${ratios}; ${made.length} calls`,
  );
  return made;
}

try {
  console.log(`sandbox: realistic latency, speed factor ${speed}`);
  measure('setup', 'apply', ['setup']);
  const rerun = measure('rerun', 'apply', ['setup']);
  const mutating = rerun.filter((call) => call.mutating).length;
  const counts = new Map();
  for (const call of rerun) counts.set(call.service, (counts.get(call.service) ?? 0) + 1);
  const byService = [...counts];
  console.log(
    `rerun calls: ${mutating} mutating; ${byService.map(([s, n]) => `${s} ${n}`).join(', ')}`,
  );
  measure('teardown', 'destroy', ['teardown']);
} finally {
  rmSync(cwd, { recursive: true, force: true });
}
