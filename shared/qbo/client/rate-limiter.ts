/**
 * Per-realm client-side limiter for QBO's published limits: 10 requests/s, 500 requests/min (DESIGN section 7; the
 * client sends no batch requests, so their 40/min is not ours to count). Sliding windows, so a burst after a quiet
 * minute is still capped at 10/s. A 429 pauses the realm (Retry-After, else one second) and halves the per-second
 * rate for a minute, because other instances share the realm's budget and a 429 means the fleet is over it.
 */
export interface RealmRateLimiter {
  /** Resolves when one request for the realm may be sent now; counts it. */
  acquire(realmId: string): Promise<void>;
  onThrottled(realmId: string, retryAfterMs?: number): void;
}

export interface RealmRateLimiterProps {
  perSecond?: number;
  perMinute?: number;
  /** Scales every window and pause (0.01 = 100x faster), to match a simulator started with the same timeScale. */
  timeScale?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface RealmWindow {
  sent: number[];
  pausedUntil: number;
  slowUntil: number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createRealmRateLimiter(props: RealmRateLimiterProps = {}): RealmRateLimiter {
  const perSecond = props.perSecond ?? 10;
  const perMinute = props.perMinute ?? 500;
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
      window = { sent: [], pausedUntil: 0, slowUntil: 0 };
      realms.set(realmId, window);
    }
    return window;
  };

  /** Milliseconds until the next request fits; 0 when it fits now. */
  const waitFor = (window: RealmWindow, at: number): number => {
    window.sent = window.sent.filter((t) => t > at - minute);
    let wait = Math.max(0, window.pausedUntil - at);
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
    async acquire(realmId) {
      const window = windowFor(realmId);
      for (;;) {
        const at = now();
        const wait = waitFor(window, at);
        if (wait <= 0) {
          window.sent.push(at);
          return;
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
