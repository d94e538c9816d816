// The simulated clock of a rehearsal: the report speaks in simulated minutes since the alarm, while the
// run itself takes a few seconds. `pace` is how many real milliseconds one simulated minute lasts
// (0 in tests and benchmarks: nothing really waits).
/** Simulated minutes a person takes to decide on a request (an approval, or the next rollback by hand). */
export const DECISION_MINUTES = 2;

export class SimClock {
  private minutes = 0;

  constructor(
    /** Epoch ms of the alarm: simulated minute 0. */
    readonly origin: number,
    readonly pace: number,
  ) {}

  /** Simulated minutes since the alarm. */
  get now(): number {
    return this.minutes;
  }

  /** Moves simulated time forward (never back). */
  advanceTo(minutes: number): void {
    this.minutes = Math.max(this.minutes, minutes);
  }

  advance(minutes: number): void {
    this.minutes += Math.max(0, minutes);
  }

  /** Epoch ms of a simulated minute. */
  epoch(minutes: number = this.minutes): number {
    return this.origin + Math.round(minutes * 60_000);
  }

  iso(minutes: number = this.minutes): string {
    return new Date(this.epoch(minutes)).toISOString();
  }

  /** Really waits the paced length of some simulated minutes, so a terminal can follow along. */
  async sleep(minutes: number): Promise<void> {
    const ms = this.realMs(minutes);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Real milliseconds for a Wait state of this many seconds (the runner's `waitMs`). */
  realMs(minutes: number): number {
    return Math.round(Math.max(0, minutes) * this.pace);
  }
}
