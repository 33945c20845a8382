import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/psc-bridge.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a child process (no terminal), never throwing on a non-zero exit. */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: options.cwd,
        env: { ...process.env, NO_COLOR: '1', ...options.env },
        timeout: options.timeoutMs ?? 60_000,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error);
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Starts the built CLI as a child process; `done` settles when it exits. */
export function spawnCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): { child: ChildProcess; done: Promise<CliResult>; untilStderr(pattern: RegExp): Promise<void> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const waiters: { pattern: RegExp; resolve(): void }[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const waiter of waiters.filter((w) => w.pattern.test(stderr))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // Killed by a signal: report it as a shell would (128 + the signal's number).
      const bySignal = signal ? 128 + (constants.signals[signal] ?? 0) : 1;
      resolve({ code: code ?? bySignal, stdout, stderr });
    });
  });
  /** Settles once stderr shows `pattern`; rejects if the child exits first. */
  const untilStderr = (pattern: RegExp) =>
    pattern.test(stderr)
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          waiters.push({ pattern, resolve });
          done.then(
            (result) => reject(new Error(`exited (${result.code}) before ${pattern}:\n${stderr}`)),
            reject,
          );
        });
  return { child, done, untilStderr };
}
