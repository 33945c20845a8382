import { Chalk, type ChalkInstance } from 'chalk';

export interface OutputSettings {
  json: boolean;
  verbose: boolean;
  /** False with --no-color, NO_COLOR set, or stderr not a terminal. */
  color: boolean;
  /** Spinners and live lines only when stderr is a terminal with a known width. */
  interactive: boolean;
}

/** Decides colour and liveness from the flags and the environment, once per run. */
export function outputSettings(flags: { json?: boolean; verbose?: boolean; color?: boolean }) {
  // A terminal that reports no width (a pty whose size was never set, as under `script` with
  // no terminal around it) gets plain lines: ora divides by the width to know how many lines
  // to clear, and with 0 it would clear forever.
  const width = process.stderr.columns ?? 0;
  const interactive = process.stderr.isTTY === true && process.env.CI === undefined && width > 0;
  const noColorEnv = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  const settings: OutputSettings = {
    json: flags.json === true,
    verbose: flags.verbose === true,
    color: flags.color !== false && !noColorEnv && process.stderr.isTTY === true,
    interactive,
  };
  return settings;
}

/** Colours for text on stderr. */
export function paint(settings: OutputSettings): ChalkInstance {
  return new Chalk({ level: settings.color ? 1 : 0 });
}

/** Colours for results on stdout: none when stdout is piped or redirected. */
export function paintResults(settings: OutputSettings): ChalkInstance {
  return new Chalk({ level: settings.color && process.stdout.isTTY === true ? 1 : 0 });
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m ${Math.round(seconds % 60)}s`;
}

/** Human text goes to stderr, so stdout stays clean for results and --json. */
export function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Results: the only writer to stdout. */
export function emit(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function emitJson(value: unknown): void {
  emit(JSON.stringify(value, null, 2));
}
