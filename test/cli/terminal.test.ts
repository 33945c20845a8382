import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
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
  /** The command line after `psc-bridge`; `create-sg --sandbox … --yes` when not given. */
  args?: string[];
  /** Typed at the terminal, e.g. the answer to a confirmation. */
  input?: string;
  /** The folder to run in (holding runbook.json); a new one when not given. */
  cwd?: string;
}

async function workspace(): Promise<string> {
  const cwd = await tempDir('psc-bridge-tty-');
  await copyFile(RUNBOOK, join(cwd, 'runbook.json'));
  return cwd;
}

const SANDBOX = ['--sandbox', '--config', 'runbook.json'];

/**
 * Runs psc-bridge on a pseudo-terminal made by util-linux `script`, so that stdin, stdout and
 * stderr are all a terminal, and returns its exit code and everything it drew. The buffer cap
 * turns a runaway redraw into a failure instead of a full disk.
 */
async function onTerminal(terminal: Terminal): Promise<{ code: number; drawn: string }> {
  const cwd = terminal.cwd ?? (await workspace());
  const args = terminal.args ?? ['create-sg', ...SANDBOX, '--yes'];
  const command = [
    ...(terminal.columns > 0 ? [`stty cols ${terminal.columns} rows 40;`] : []),
    process.execPath,
    BIN,
    ...args,
  ].join(' ');
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '', ...terminal.env };
  delete env.CI; // CI turns spinners off on purpose; here the terminal itself is under test
  return new Promise((resolve, reject) => {
    const child = execFile(
      'script',
      ['-qec', command, '/dev/null'],
      { cwd, env, timeout: 60_000, maxBuffer: 256 * 1024 },
      (error, stdout) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? Number(error.code) : 0, drawn: stdout });
      },
    );
    child.stdin?.end(terminal.input ?? '');
  });
}

/** What a person reads: the drawing without colours, cursor moves and carriage returns. */
function readable(drawn: string): string {
  return drawn.replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g'), '').replace(/\r/g, '');
}

describe('terminal output', {
  skip: hasScript ? false : 'util-linux `script` is not installed: no pseudo-terminal to test on',
}, () => {
  test('on a terminal: a spinner naming the step, then a coloured finished line', async () => {
    const { drawn } = await onTerminal({ columns: 100 });
    assert.match(drawn, SPINNER);
    assert.match(drawn, /create-sg \d+(ms|\.\ds)/, 'the spinner names the step and its time');
    assert.match(drawn, new RegExp(`✓${ESC}\\[39m create-sg +${ESC}\\[32mcreated`));
    assert.match(drawn, COLOUR);
  });

  test('NO_COLOR and --no-color keep the spinner but drop every colour', async () => {
    for (const terminal of [
      { columns: 100, env: { NO_COLOR: '1' } },
      { columns: 100, args: ['create-sg', ...SANDBOX, '--yes', '--no-color'] },
    ]) {
      const { drawn } = await onTerminal(terminal);
      assert.match(drawn, SPINNER, JSON.stringify(terminal));
      assert.doesNotMatch(drawn, COLOUR, JSON.stringify(terminal));
      assert.match(drawn, /✓ create-sg +created/);
    }
  });

  test('a terminal with no width gets plain lines, not an endless redraw', async () => {
    const { drawn } = await onTerminal({ columns: 0 });
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

describe('previews and confirmation on a terminal', {
  skip: hasScript ? false : 'util-linux `script` is not installed: no pseudo-terminal to test on',
}, () => {
  test('setup shows what each step will do, asks once, and a no changes nothing', async () => {
    const cwd = await workspace();
    const { code, drawn } = await onTerminal({
      columns: 120,
      cwd,
      args: ['setup', ...SANDBOX],
      input: 'n\n',
    });
    const text = readable(drawn);
    assert.equal(code, 130, text);
    assert.match(text, /PSC endpoint awsconnpscep at 10\.164\.128\.1/);
    for (const id of ['enable-apis', 'create-psc', 'create-sg', 'associate']) {
      assert.match(text, new RegExp(`^  ${id} +.*: will create$`, 'm'), id);
    }
    // Asked once: one answered question (inquirer redraws it while it waits).
    assert.equal(
      text.match(/✔ Create the private path to Google APIs in both clouds\? No/g)?.length,
      1,
    );
    assert.match(text, /Aborted: nothing was changed/);
    const world = JSON.parse(
      await readFile(join(cwd, '.psc-bridge-sandbox', 'world.json'), 'utf8'),
    );
    assert.ok(world.calls.length > 0, 'the preview looked at the clouds');
    assert.deepEqual(
      world.calls.filter((call: { mutating: boolean }) => call.mutating),
      [],
    );
  });

  test('teardown lists what it deletes, restores and leaves; a step previews itself', async () => {
    const cwd = await workspace();
    const setup = await runCli(['setup', ...SANDBOX, '--yes'], { cwd });
    assert.equal(setup.code, 0, setup.stderr);
    const teardown = await onTerminal({
      columns: 120,
      cwd,
      args: ['teardown', ...SANDBOX],
      input: 'n\n',
    });
    const text = readable(teardown.drawn);
    assert.equal(teardown.code, 130, text);
    const section = (title: string) => text.split(title)[1]?.split(/\n(?! )/)[0] ?? '';
    assert.match(section('Will delete (created by psc-bridge):'), /create-psc +psced-address/);
    assert.match(
      section('Will put back as they were'),
      /advertise-route +aws-vpn-test-connect-aws-router/,
    );
    assert.match(section('Will leave as they are'), /enable-apis/);
    assert.doesNotMatch(
      section('Will delete (created by psc-bridge):'),
      /enable-apis|advertise-route/,
    );

    const step = await onTerminal({
      columns: 120,
      cwd,
      args: ['create-zone', ...SANDBOX],
      input: 'n\n',
    });
    assert.match(readable(step.drawn), /^ {2}create-zone +.*: done; will only check$/m);
    assert.equal(step.code, 130);
  });
});
