/** A batch request counts once against the realm's 500/min and once against its 40 batch requests/min. */
export type QboRequestKind = 'single' | 'batch';

/** Leave to send one request. `release` once it is answered or abandoned: it frees the request's concurrency slot. */
export interface QboRequestPermit {
  release(): void;
}

/**
 * What every QBO client awaits before each attempt: the realm's budget (QBO counts per realm and app: 10 requests in
 * flight, 500 requests/min, 40 batch requests/min).
 */
export interface RealmRateLimiter {
  /** Resolves when one request of `kind` (default `single`) for the realm may be sent now; counts it. */
  acquire(realmId: string, kind?: QboRequestKind): Promise<QboRequestPermit>;
  onThrottled(realmId: string, retryAfterMs?: number): void;
}

/**
 * Per-instance limiter for QBO's published limits: 10 requests/s, 500 requests/min (DESIGN section 7), at most 10
 * in flight and 40 batch requests/min. Sliding windows, so a burst after a quiet minute is still capped at 10/s. A
 * 429 pauses the realm (Retry-After, else one second) and halves the per-second rate for a minute.
 */

export interface RealmRateLimiterProps {
  perSecond?: number;
  perMinute?: number;
  maxInFlight?: number;
  batchPerMinute?: number;
  /** Scales every window and pause (0.01 = 100x faster), to match a simulator started with the same timeScale. */
  timeScale?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface RealmWindow {
  sent: number[];
  batches: number[];
  inFlight: number;
  pausedUntil: number;
  slowUntil: number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createRealmRateLimiter(props: RealmRateLimiterProps = {}): RealmRateLimiter {
  const perSecond = props.perSecond ?? 10;
  const perMinute = props.perMinute ?? 500;
  const maxInFlight = props.maxInFlight ?? 10;
  const batchPerMinute = props.batchPerMinute ?? 40;
  const scale = props.timeScale ?? 1;
  // Windows are counted when we send, QBO counts when requests arrive; 10% padding absorbs the jitter between.
  const second = 1100 * scale;
  const minute = 61_000 * scale;
  const now = props.now ?? Date.now;
  const sleep = props.sleep ?? defaultSleep;
  const realms = new Map<string, RealmWindow>();

  const windowFor = (realmId: string): RealmWindow => {
    let window = realms.get(realmId);
    if (!window) {
      window = { sent: [], batches: [], inFlight: 0, pausedUntil: 0, slowUntil: 0 };
      realms.set(realmId, window);
    }
    return window;
  };

  /** Milliseconds until the next request fits; 0 when it fits now. */
  const waitFor = (window: RealmWindow, at: number, kind: QboRequestKind): number => {
    window.sent = window.sent.filter((t) => t > at - minute);
    window.batches = window.batches.filter((t) => t > at - minute);
    let wait = Math.max(0, window.pausedUntil - at);
    // A free concurrency slot is what a release gives back; poll for it at a short, fixed interval.
    if (window.inFlight >= maxInFlight) wait = Math.max(wait, 5 * scale);
    if (kind === 'batch' && window.batches.length >= batchPerMinute)
      wait = Math.max(wait, (window.batches[window.batches.length - batchPerMinute] ?? at) + minute - at);
    const secondLimit = at < window.slowUntil ? Math.max(1, Math.floor(perSecond / 2)) : perSecond;
    const inLastSecond = window.sent.filter((t) => t > at - second);
    if (inLastSecond.length >= secondLimit) {
      const oldest = inLastSecond[inLastSecond.length - secondLimit] ?? at;
      wait = Math.max(wait, oldest + second - at);
    }
    if (window.sent.length >= perMinute) {
      wait = Math.max(wait, (window.sent[window.sent.length - perMinute] ?? at) + minute - at);
    }
    return wait;
  };

  return {
    async acquire(realmId, kind = 'single') {
      const window = windowFor(realmId);
      for (;;) {
        const at = now();
        const wait = waitFor(window, at, kind);
        if (wait <= 0) {
          window.sent.push(at);
          if (kind === 'batch') window.batches.push(at);
          window.inFlight++;
          let released = false;
          return {
            release() {
              if (released) return;
              released = true;
              window.inFlight--;
            },
          };
        }
        // +1: windows are exclusive at their edge, so waking exactly on it would loop once more.
        await sleep(Math.ceil(wait) + 1);
      }
    },
    onThrottled(realmId, retryAfterMs) {
      const window = windowFor(realmId);
      const at = now();
      window.pausedUntil = Math.max(window.pausedUntil, at + (retryAfterMs ?? second));
      window.slowUntil = at + minute;
    },
  };
}
