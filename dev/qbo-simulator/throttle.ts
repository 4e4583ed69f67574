/**
 * QBO's published limits per realm: 500 requests per minute, 10 per second, and 40 batch requests per minute.
 * Sliding windows, scaled by `timeScale` so a test can exercise them in milliseconds (0.01: a "minute" is 600 ms).
 * A rejected request does not count against the window, as far as anyone has observed on the real service.
 */
export const QBO_LIMITS = { perSecond: 10, perMinute: 500, batchPerMinute: 40 } as const;

export class SimThrottle {
  private readonly requests = new Map<string, number[]>();
  private readonly batches = new Map<string, number[]>();

  constructor(
    private readonly timeScale: number,
    private readonly now: () => number,
  ) {}

  /** True when the request may proceed (and is counted); false means answer 429. */
  admit(realmId: string, isBatch: boolean): boolean {
    const now = this.now();
    const second = 1000 * this.timeScale;
    const minute = 60_000 * this.timeScale;
    const requests = prune(this.requests, realmId, now - minute);
    const lastSecond = requests.filter((t) => t > now - second).length;
    if (requests.length >= QBO_LIMITS.perMinute || lastSecond >= QBO_LIMITS.perSecond) return false;
    if (isBatch) {
      const batches = prune(this.batches, realmId, now - minute);
      if (batches.length >= QBO_LIMITS.batchPerMinute) return false;
      batches.push(now);
    }
    requests.push(now);
    return true;
  }
}

function prune(windows: Map<string, number[]>, realmId: string, cutoff: number): number[] {
  const list = (windows.get(realmId) ?? []).filter((t) => t > cutoff);
  windows.set(realmId, list);
  return list;
}
