/**
 * A discrete-event clock for limiter tests: `sleep` and `schedule` register timers, and `run` jumps the clock to the
 * next timer only once every promise has settled (a setImmediate turn), so that concurrent sleepers see one shared,
 * consistent time and a minute of QBO traffic takes milliseconds.
 */
interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export class SimClock {
  private t = 1_000_000;
  private seq = 0;
  private timers: Timer[] = [];

  readonly now = (): number => this.t;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.add(ms, resolve);
    });

  readonly schedule = (ms: number, run: () => void): (() => void) => {
    const timer = this.add(ms, run);
    return () => {
      this.timers = this.timers.filter((other) => other !== timer);
    };
  };

  private add(ms: number, fire: () => void): Timer {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fire };
    this.timers.push(timer);
    return timer;
  }

  /** Runs timers in time order until `work` settles; fails past `limitMs` of simulated time. */
  async run<T>(work: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let done = false;
    const result = work.finally(() => {
      done = true;
    });
    result.catch(() => undefined);
    const limit = this.t + limitMs;
    for (;;) {
      await settle();
      if (done) return result;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) throw new Error('simulated clock: nothing left to run and the work is not done');
      if (next.at > limit) throw new Error(`simulated clock: work not done within ${limitMs} ms`);
      this.t = Math.max(this.t, next.at);
      next.fire();
    }
  }
}

/** The largest number of `times` inside any open window of `windowMs` ending at one of them (QBO's counting). */
export function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[start] ?? 0) <= (sorted[end] ?? 0) - windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
