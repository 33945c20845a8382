import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BIN, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const RUNBOOK = fileURLToPath(new URL('../../examples/runbook.json', import.meta.url));
const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

const ESC = String.fromCharCode(0x1b);
/** An SGR colour such as `ESC[32m`; ora's own cursor and line controls are not colours. */
const COLOUR = new RegExp(`${ESC}\\[(3\\d|9\\d)m`);
const SPINNER = new RegExp(`${ESC}\\[\\?25l`); // ora hides the cursor while it spins

interface Terminal {
  /** Terminal width the pty reports; 0 is a pty whose size was never set. */
  columns: number;
  env?: Record<string, string>;
  args?: string[];
}

/**
 * Runs `create-sg --sandbox` on a pseudo-terminal made by util-linux `script`, so that stdin,
 * stdout and stderr are all a terminal, and returns everything it drew. The buffer cap turns a
 * runaway redraw into a failure instead of a full disk.
 */
async function onTerminal(terminal: Terminal): Promise<string> {
  const cwd = await tempDir('psc-bridge-tty-');
  await copyFile(RUNBOOK, join(cwd, 'runbook.json'));
  const args = ['create-sg', '--sandbox', '--config', 'runbook.json', '--yes'];
  const command = [
    ...(terminal.columns > 0 ? [`stty cols ${terminal.columns} rows 40;`] : []),
    process.execPath,
    BIN,
    ...args,
    ...(terminal.args ?? []),
  ].join(' ');
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '', ...terminal.env };
  delete env.CI; // CI turns spinners off on purpose; here the terminal itself is under test
  return new Promise((resolve, reject) => {
    execFile(
      'script',
      ['-qec', command, '/dev/null'],
      { cwd, env, timeout: 60_000, maxBuffer: 256 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

describe('terminal output', {
  skip: hasScript ? false : 'util-linux `script` is not installed: no pseudo-terminal to test on',
}, () => {
  test('on a terminal: a spinner naming the step, then a coloured finished line', async () => {
    const drawn = await onTerminal({ columns: 100 });
    assert.match(drawn, SPINNER);
    assert.match(drawn, /create-sg \d+(ms|\.\ds)/, 'the spinner names the step and its time');
    assert.match(drawn, new RegExp(`✓${ESC}\\[39m create-sg +${ESC}\\[32mcreated`));
    assert.match(drawn, COLOUR);
  });

  test('NO_COLOR and --no-color keep the spinner but drop every colour', async () => {
    for (const terminal of [
      { columns: 100, env: { NO_COLOR: '1' } },
      { columns: 100, args: ['--no-color'] },
    ]) {
      const drawn = await onTerminal(terminal);
      assert.match(drawn, SPINNER, JSON.stringify(terminal));
      assert.doesNotMatch(drawn, COLOUR, JSON.stringify(terminal));
      assert.match(drawn, /✓ create-sg +created/);
    }
  });

  test('a terminal with no width gets plain lines, not an endless redraw', async () => {
    const drawn = await onTerminal({ columns: 0 });
    assert.doesNotMatch(drawn, SPINNER);
    assert.match(drawn, /^… create-sg: /m);
    assert.match(drawn, /create-sg +\S*created/);
  });
});

test('not a terminal: plain lines and no escape code at all, even without NO_COLOR', async () => {
  const cwd = await tempDir('psc-bridge-pipe-');
  await copyFile(RUNBOOK, join(cwd, 'runbook.json'));
  const env = { NO_COLOR: '', CI: '' };
  const result = await runCli(['create-sg', '--sandbox', '--config', 'runbook.json', '--yes'], {
    cwd,
    env,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /^✓ create-sg +created \(/m);
  assert.ok(!(result.stderr + result.stdout).includes(ESC), 'no escape code');
});
