import { readFileSync } from 'node:fs';
import { CommanderError } from './commander.js';
import { buildProgram } from './program.js';

/**
 * The entry point, and the only place that ends the process. Exit codes: 0 success, 1 cloud
 * or runtime failure, 2 usage or validation error, 130 interrupted.
 */
export async function main(argv: string[]): Promise<void> {
  // A reader that stops early (`psc-bridge plan | head`) closes the pipe: that is the reader's
  // choice, not a failure, so stop quietly rather than die on EPIPE with a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const { version } = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };

  let pending: Promise<number> | undefined;
  const program = buildProgram(
    version,
    (done) => {
      pending = done;
    },
    argv,
  );

  let code: number;
  try {
    await program.parseAsync(argv);
    code = pending ? await pending : 0;
  } catch (error) {
    code = await exitCodeFor(error, argv);
  }
  await flush();
  process.exit(code);
}

async function exitCodeFor(error: unknown, argv: string[]): Promise<number> {
  if (error instanceof CommanderError) {
    // Help and version end "with an error" in commander's terms; they are successes here.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
    if (error.code === 'commander.help') return 0;
    return 2;
  }
  const { reportError } = await import('../ui/errors.js');
  const { outputSettings } = await import('../ui/terminal.js');
  const settings = outputSettings({
    verbose: argv.includes('--verbose') || argv.includes('-v'),
    color: !argv.includes('--no-color'),
  });
  reportError(error, settings);
  const { isPscError, messageOf } = await import('../errors.js');
  if (argv.includes('--json')) {
    // Scripts reading --json get a document even when the run never started.
    const { emitJson } = await import('../ui/terminal.js');
    emitJson({
      ok: false,
      error: {
        code: isPscError(error) ? error.code : 'UNEXPECTED',
        message: messageOf(error),
        ...(isPscError(error) && error.hint ? { hint: error.hint } : {}),
      },
    });
  }
  return isPscError(error) ? error.exitCode : 1;
}

function flush(): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.writableLength === 0) resolve();
    else process.stdout.once('drain', () => resolve());
  });
}
