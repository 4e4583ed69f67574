import { createRealmRateLimiter } from '../../../shared/qbo/client/rate-limiter';

function fakeClock() {
  let t = 0;
  return {
    now: () => t,
    sleep: (ms: number) => {
      t += ms;
      return Promise.resolve();
    },
  };
}

describe('per-realm QBO limiter', () => {
  it('lets 10 requests through in a second and makes the 11th wait out the window', async () => {
    const clock = fakeClock();
    const limiter = createRealmRateLimiter(clock);
    for (let i = 0; i < 10; i++) (await limiter.acquire('r1')).release();
    expect(clock.now()).toBe(0);
    (await limiter.acquire('r1')).release();
    expect(clock.now()).toBeGreaterThanOrEqual(1000);
    // Another realm has its own budget.
    const before = clock.now();
    (await limiter.acquire('r2')).release();
    expect(clock.now()).toBe(before);
  });

  it('never lets more than 500 through in a minute', async () => {
    const clock = fakeClock();
    const limiter = createRealmRateLimiter(clock);
    for (let i = 0; i < 501; i++) (await limiter.acquire('r1')).release();
    expect(clock.now()).toBeGreaterThanOrEqual(60_000);
  });

  it('after a 429 it pauses for Retry-After and then runs at half rate', async () => {
    const clock = fakeClock();
    const limiter = createRealmRateLimiter(clock);
    limiter.onThrottled('r1', 2_000);
    (await limiter.acquire('r1')).release();
    expect(clock.now()).toBeGreaterThanOrEqual(2_000);
    const start = clock.now();
    for (let i = 0; i < 5; i++) (await limiter.acquire('r1')).release();
    expect(clock.now() - start).toBeGreaterThanOrEqual(1_000);
  });
});

describe('per-realm QBO limiter: concurrency and batches', () => {
  it('holds the 11th request until one of 10 in flight is answered', async () => {
    const clock = fakeClock();
    const limiter = createRealmRateLimiter({ ...clock, perSecond: 1000 });
    const permits = [];
    for (let i = 0; i < 10; i++) permits.push(await limiter.acquire('r1'));
    let eleventh = false;
    const waiting = limiter.acquire('r1').then((permit) => {
      eleventh = true;
      return permit;
    });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(eleventh).toBe(false);
    permits[0]?.release();
    (await waiting).release();
    expect(eleventh).toBe(true);
  });

  it('lets 40 batch requests through in a minute and makes the 41st wait out the window', async () => {
    const clock = fakeClock();
    const limiter = createRealmRateLimiter({ ...clock, perSecond: 1000 });
    for (let i = 0; i < 40; i++) (await limiter.acquire('r1', 'batch')).release();
    expect(clock.now()).toBe(0);
    (await limiter.acquire('r1', 'batch')).release();
    expect(clock.now()).toBeGreaterThanOrEqual(60_000);
  });
});
