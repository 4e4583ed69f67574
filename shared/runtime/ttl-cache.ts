/**
 * A per-instance read-through cache with a time to live. What is cached is the load's promise, so concurrent
 * callers for one key share one load; a load that fails is forgotten at once, so the next caller asks again; a
 * load that finds nothing (undefined) is cached like any answer. Bounded: when full, expired entries go first and,
 * if that is not enough, everything (forged keys must not grow an instance's memory).
 */
export interface TtlCacheOptions {
  ttlMs: number;
  maxEntries: number;
  now: () => number;
}

export interface TtlCache<T> {
  /** The cached answer unless it was loaded `maxAgeMs` or longer ago (the time to live by default). */
  get(key: string, load: () => Promise<T | undefined>, maxAgeMs?: number): Promise<T | undefined>;
}

export function createTtlCache<T>(options: TtlCacheOptions): TtlCache<T> {
  const entries = new Map<string, { value: Promise<T | undefined>; loadedAt: number }>();

  const makeRoom = (now: number) => {
    for (const [key, entry] of entries) if (now - entry.loadedAt >= options.ttlMs) entries.delete(key);
    if (entries.size >= options.maxEntries) entries.clear();
  };

  return {
    get(key, load, maxAgeMs = options.ttlMs) {
      const now = options.now();
      const hit = entries.get(key);
      if (hit && now - hit.loadedAt < maxAgeMs) return hit.value;
      if (entries.size >= options.maxEntries) makeRoom(now);
      const entry = { value: load(), loadedAt: now };
      entries.set(key, entry);
      entry.value.catch(() => {
        if (entries.get(key) === entry) entries.delete(key);
      });
      return entry.value;
    },
  };
}
