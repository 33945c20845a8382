import type { Ora } from 'ora';
import type { Direction } from '../engine/graph.js';
import type { Reporter, StepOutcome } from '../engine/run.js';
import type { StepInfo } from '../steps/catalog.js';
import { formatDuration, type OutputSettings, paint, say } from './terminal.js';

const MARKS: Record<string, string> = {
  created: '✓',
  adopted: '✓',
  updated: '✓',
  unchanged: '✓',
  deleted: '✓',
  restored: '✓',
  kept: '✓',
  absent: '✓',
  failed: '✗',
  interrupted: '!',
  skipped: '-',
};

/** A line per finished step; on a terminal, one spinner naming the steps in flight. */
export async function createReporter(settings: OutputSettings): Promise<StepReporter> {
  if (!settings.interactive) return new StepReporter(settings);
  const { default: ora } = await import('ora');
  // ora colours its frames itself, whatever NO_COLOR says: tell it our decision.
  const spinner = ora({ stream: process.stderr, isEnabled: true, color: settings.color && 'cyan' });
  return new StepReporter(settings, spinner);
}

export class StepReporter implements Reporter {
  private readonly inFlight = new Map<string, { since: number; status?: string }>();
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: OutputSettings,
    private readonly spinner?: Ora,
  ) {}

  started(step: StepInfo, direction: Direction): void {
    this.inFlight.set(step.id, { since: Date.now() });
    if (!this.spinner) {
      say(`… ${step.id}: ${direction === 'apply' ? step.title : 'removing'}`);
      return;
    }
    this.refresh();
    if (!this.ticker) {
      this.ticker = setInterval(() => this.refresh(), 1000);
      this.ticker.unref();
    }
  }

  progress(step: StepInfo, text: string): void {
    const entry = this.inFlight.get(step.id);
    if (entry) entry.status = text;
    if (this.spinner) this.refresh();
    else if (this.settings.verbose) say(`  ${step.id}: ${text}`);
  }

  finished(step: StepInfo, outcome: StepOutcome): void {
    this.inFlight.delete(step.id);
    const line = this.line(step, outcome);
    if (this.spinner) {
      this.spinner.stop();
      say(line);
      this.refresh();
    } else {
      say(line);
    }
    for (const note of outcome.notes) say(`    ${note}`);
  }

  /** Stops the spinner; call once the run is over. */
  close(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.spinner?.stop();
  }

  private line(step: StepInfo, outcome: StepOutcome): string {
    const c = paint(this.settings);
    const mark = MARKS[outcome.action] ?? '?';
    const colour =
      outcome.action === 'failed' ? c.red : outcome.action === 'skipped' ? c.dim : c.green;
    const took =
      outcome.action === 'skipped' ? '' : c.dim(` (${formatDuration(outcome.durationMs)})`);
    return `${colour(mark)} ${step.id.padEnd(25)} ${colour(outcome.action)}${took}`;
  }

  private refresh(): void {
    if (!this.spinner) return;
    if (this.inFlight.size === 0) {
      this.spinner.stop();
      return;
    }
    const now = Date.now();
    const parts = [...this.inFlight].map(([id, { since, status }]) => {
      const elapsed = formatDuration(Math.round((now - since) / 1000) * 1000);
      // A step's own status line carries its elapsed time where it matters.
      return status ? `${id} ${status}` : `${id} ${elapsed}`;
    });
    this.spinner.text = parts.join(' · ');
    if (!this.spinner.isSpinning) this.spinner.start();
  }
}
