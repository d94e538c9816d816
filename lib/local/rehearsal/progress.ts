// Live progress of a rehearsal in a terminal: one line per thing that happened, stamped with its
// simulated minute; on a TTY a spinner shows what is going on meanwhile. Colour only on a TTY and never
// under NO_COLOR; without a TTY, plain lines and no control characters at all.

export interface Terminal {
  readonly write: (text: string) => void;
  readonly tty: boolean;
  readonly color: boolean;
}

export type Tone = 'plain' | 'good' | 'bad' | 'warn' | 'dim' | 'info';

const CODES: Readonly<Record<Tone, string>> = {
  plain: '',
  good: '\u001b[32m',
  bad: '\u001b[31m',
  warn: '\u001b[33m',
  dim: '\u001b[2m',
  info: '\u001b[36m',
};
const RESET = '\u001b[0m';
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const LABEL_WIDTH = 9;

export class Progress {
  private spinning: string | undefined;
  private frame = 0;
  private shown = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  /** Writes nothing: benchmarks and library callers. */
  static readonly silent = new Progress(undefined);

  constructor(private readonly terminal: Terminal | undefined) {}

  /** One event: `  12.5 min  gate 1    RECOVERED ...` (no minute column when `at` is absent). */
  line(label: string, text: string, options: { readonly at?: number; readonly tone?: Tone } = {}): void {
    const when = options.at === undefined ? '' : formatMinute(options.at);
    const head = this.paint(label.padEnd(LABEL_WIDTH), options.tone ?? 'plain');
    this.raw(`${when.padStart(11)}  ${head} ${text}`);
  }

  /** A line as it is, the CLI's contract lines (`approval required: <url>`, `report: <path>`) included. */
  raw(text: string): void {
    if (!this.terminal) return;
    this.clear();
    this.terminal.write(`${text}\n`);
    this.draw();
  }

  /** What is going on now; only a TTY shows it, and the next line replaces it. */
  activity(text: string | undefined): void {
    if (!this.terminal?.tty) return;
    this.clear();
    this.spinning = text;
    if (text !== undefined && this.timer === undefined) {
      this.timer = setInterval(() => {
        this.frame = (this.frame + 1) % FRAMES.length;
        this.clear();
        this.draw();
      }, 80);
      this.timer.unref();
    }
    if (text === undefined) this.stopTimer();
    this.draw();
  }

  stop(): void {
    this.activity(undefined);
  }

  paint(text: string, tone: Tone): string {
    return this.terminal?.color && tone !== 'plain' ? `${CODES[tone]}${text}${RESET}` : text;
  }

  private draw(): void {
    if (!this.terminal?.tty || this.spinning === undefined) return;
    const text = `${FRAMES[this.frame] ?? '-'} ${this.spinning}`.slice(0, 78);
    this.terminal.write(text);
    this.shown = text.length;
  }

  private clear(): void {
    if (!this.terminal?.tty || this.shown === 0) return;
    this.terminal.write(`\r${' '.repeat(this.shown)}\r`);
    this.shown = 0;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

export function formatMinute(minutes: number): string {
  return `${minutes.toFixed(1)} min`;
}
