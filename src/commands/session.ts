import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { FIELDS, type PartialConfig } from '../config/fields.js';
import { splitList } from '../config/validate.js';
import type { Mode } from '../state/schema.js';
import { type OutputSettings, outputSettings } from '../ui/terminal.js';

export const SANDBOX_DIR = '.psc-bridge-sandbox';
export const DEFAULT_STATE = 'psc-bridge.state.json';

export interface GlobalFlags {
  state?: string;
  config?: string;
  yes?: boolean;
  json?: boolean;
  verbose?: boolean;
  sandbox?: boolean;
  color?: boolean;
}

/** What every command knows before it does anything: flags, mode, paths, output settings. */
export interface Session {
  flags: GlobalFlags;
  /** Command-specific options (e.g. `--teardown`, `--destroy`). */
  options: Record<string, unknown>;
  /** Values given as flags, validated later with the rest. */
  values: PartialConfig;
  mode: Mode;
  statePath: string;
  /** The sandbox world file, in sandbox mode. */
  worldPath: string;
  output: OutputSettings;
  /** Prompts are allowed: stdin and stderr are terminals and --yes was not given. */
  canPrompt: boolean;
}

export function sessionOf(command: Command): Session {
  const all = command.optsWithGlobals<Record<string, unknown>>();
  const flags: GlobalFlags = {
    state: all.state as string | undefined,
    config: all.config as string | undefined,
    yes: all.yes === true,
    json: all.json === true,
    verbose: all.verbose === true,
    sandbox: all.sandbox === true,
    color: all.color !== false,
  };
  const mode: Mode = flags.sandbox ? 'sandbox' : 'cloud';
  const defaultState = mode === 'sandbox' ? `${SANDBOX_DIR}/state.json` : DEFAULT_STATE;
  return {
    flags,
    options: command.opts<Record<string, unknown>>(),
    values: valuesFrom(all),
    mode,
    statePath: resolvePath(flags.state ?? defaultState),
    worldPath: resolvePath(SANDBOX_DIR, 'world.json'),
    output: outputSettings(flags),
    canPrompt: !flags.yes && process.stdin.isTTY === true && process.stderr.isTTY === true,
  };
}

function valuesFrom(options: Record<string, unknown>): PartialConfig {
  const values: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const raw = options[field.key];
    if (typeof raw !== 'string') continue;
    values[field.key] = field.list ? splitList(raw) : raw;
  }
  return values as PartialConfig;
}
