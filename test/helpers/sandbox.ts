import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { SandboxOptions, SandboxServer } from '../../src/sandbox/server.js';
import { startSandbox } from '../../src/sandbox/server.js';
import type { CallRecord, World } from '../../src/sandbox/types.js';
import { readWorldFile, seedWorld } from '../../src/sandbox/world-store.js';
import { type CliResult, runCli, spawnCli } from './cli.js';
import { tempDir } from './temp.js';

/** Starts an in-memory sandbox on a free 127.0.0.1 port for one test file or test. */
export async function withSandbox(options: SandboxOptions = {}): Promise<SandboxServer> {
  return startSandbox(options);
}

/** An in-process sandbox or a served one: anything that can show its current world. */
type WorldHolder = { store: { current(): World } };

/** Calls served since `from` (an index into the call log). */
export function callsSince(server: WorldHolder, from = 0): CallRecord[] {
  return server.store.current().calls.slice(from);
}

export function mutatingCalls(server: WorldHolder, from = 0): CallRecord[] {
  return callsSince(server, from).filter((call) => call.mutating);
}

/** What `psc-bridge sandbox show --json` prints. */
export interface ShownWorld {
  resources: Record<'gcp' | 'aws', Record<string, string[]>>;
  calls: CallRecord[];
  world: World;
}

/** A `psc-bridge sandbox serve` child process, as a user would start it. */
export interface ServedSandbox {
  url: string;
  /** The folder it runs in; its world is `.psc-bridge-sandbox/world.json` there. */
  cwd: string;
  /** The variables its `export NAME=value ...` lines set. */
  env: Record<string, string>;
  /** Its `gcloud config set ...` lines, as argument lists without the leading `gcloud`. */
  gcloudConfig: string[][];
  /** The world file, read afresh on every call (the serve process writes it after each call). */
  store: { current(): World };
  show(): Promise<ShownWorld>;
  /** Stops the server by its PID (Ctrl-C) and checks that it exited cleanly. */
  close(): Promise<void>;
}

/**
 * Spawns the built CLI's `sandbox serve --port 0` in a fresh folder and waits for the lines it
 * prints, which are what the caller must use to reach it.
 */
export async function serveSandbox(flags: string[] = []): Promise<ServedSandbox> {
  const cwd = await tempDir('psc-bridge-serve-');
  const served = spawnCli(['sandbox', 'serve', '--port', '0', ...flags], {
    cwd,
    timeoutMs: 600_000,
  });
  let lines: string[];
  try {
    lines = await printedBlock(served.child.stdout, served.done);
  } catch (error) {
    served.child.kill('SIGKILL');
    throw error;
  }
  const env = exportedVariables(lines);
  const url = env.AWS_ENDPOINT_URL ?? '';
  assert.match(
    url,
    /^http:\/\/127\.0\.0\.1:\d+$/,
    `serve printed no endpoint:\n${lines.join('\n')}`,
  );
  const worldFile = join(cwd, '.psc-bridge-sandbox', 'world.json');
  return {
    url,
    cwd,
    env,
    gcloudConfig: lines
      .filter((line) => line.startsWith('gcloud config set '))
      .map((line) => line.split(/\s+/).slice(1)),
    store: { current: () => readWorldFile(worldFile) ?? seedWorld() },
    show: async () => {
      const shown = await runCli(['sandbox', 'show', '--json'], { cwd });
      assert.equal(shown.code, 0, shown.stderr);
      return JSON.parse(shown.stdout) as ShownWorld;
    },
    close: async () => {
      if (served.child.pid !== undefined && served.child.exitCode === null) {
        process.kill(served.child.pid, 'SIGINT');
      }
      const stopped = await served.done;
      assert.equal(stopped.code, 0, `sandbox serve did not stop cleanly:\n${stopped.stderr}`);
    },
  };
}

/**
 * The environment block `sandbox serve` prints once it listens. It is written in one go, so
 * the first complete set of lines holding both an AWS and a gcloud line is all of it.
 */
function printedBlock(
  stdout: NodeJS.ReadableStream | null,
  exited: Promise<CliResult>,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const complete = text.endsWith('\n');
      if (complete && text.includes('export AWS_ENDPOINT_URL=') && text.includes('gcloud ')) {
        resolve(text.split('\n').filter((line) => line.trim() !== ''));
      }
    });
    exited.then(
      (result) => reject(new Error(`sandbox serve exited (${result.code}):\n${result.stderr}`)),
      reject,
    );
  });
}

/** `export A=1 B=2` lines → { A: '1', B: '2' } (values hold no spaces). */
function exportedVariables(lines: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of lines.filter((each) => each.startsWith('export '))) {
    for (const pair of line.slice('export '.length).trim().split(/\s+/)) {
      const at = pair.indexOf('=');
      if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return env;
}
