// Start-up cost of `psc-bridge --help` against a bare `node -e 0`: whole-process wall time,
// median of 21 runs each, interleaved so machine load affects both alike.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/psc-bridge.js', import.meta.url));
const runs = Number(process.env.RUNS ?? 21);

function time(args) {
  const began = process.hrtime.bigint();
  execFileSync(process.execPath, args, { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - began) / 1e6;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const bare = [];
const help = [];
for (let i = 0; i < runs; i++) {
  bare.push(time(['-e', '0']));
  help.push(time([bin, '--help']));
}
const ratio = median(help) / median(bare);
console.log(
  `node -e 0: ${median(bare).toFixed(1)} ms; psc-bridge --help: ${median(help).toFixed(1)} ms; ` +
    `ratio ${ratio.toFixed(2)} (${runs} runs each, medians)`,
);
