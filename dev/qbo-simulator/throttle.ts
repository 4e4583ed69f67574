/**
 * QBO's published limits per realm and app: at most 10 requests in flight at once (a concurrency limit, not a rate:
 * Intuit's "10 concurrent requests"), 500 requests per minute, and 40 batch requests per minute. The minute windows
 * slide and are scaled by `timeScale` so a test can exercise them in milliseconds (0.01: a "minute" is 600 ms).
 * A rejected request counts against nothing, as far as anyone has observed on the real service.
 */
export const QBO_LIMITS = { concurrent: 10, perMinute: 500, batchPerMinute: 40 } as const;

export class SimThrottle {
  private readonly requests = new Map<string, number[]>();
  private readonly batches = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly timeScale: number,
    private readonly now: () => number,
  ) {}

  /**
   * True when the request may proceed: it is then counted and in flight until `done` is called. False means
   * answer 429.
   */
  admit(realmId: string, isBatch: boolean): boolean {
    const now = this.now();
    const minute = 60_000 * this.timeScale;
    const requests = prune(this.requests, realmId, now - minute);
    if ((this.inFlight.get(realmId) ?? 0) >= QBO_LIMITS.concurrent) return false;
    if (requests.length >= QBO_LIMITS.perMinute) return false;
    if (isBatch) {
      const batches = prune(this.batches, realmId, now - minute);
      if (batches.length >= QBO_LIMITS.batchPerMinute) return false;
      batches.push(now);
    }
    requests.push(now);
    this.inFlight.set(realmId, (this.inFlight.get(realmId) ?? 0) + 1);
    return true;
  }

  /** The admitted request has been answered (or its connection dropped). */
  done(realmId: string): void {
    this.inFlight.set(realmId, Math.max(0, (this.inFlight.get(realmId) ?? 0) - 1));
  }
}

function prune(windows: Map<string, number[]>, realmId: string, cutoff: number): number[] {
  const list = (windows.get(realmId) ?? []).filter((t) => t > cutoff);
  windows.set(realmId, list);
  return list;
}
