import { SimThrottle } from '../../../dev/qbo-simulator/throttle';

/**
 * Intuit's limits per realm and app: 10 concurrent requests (not 10 per second), 500 requests per minute, 40 batch
 * requests per minute (Intuit developer docs, "Rate limits and throttles").
 */
describe('simulator throttle (QBO: 10 in flight, 500/min, 40 batches/min per realm)', () => {
  it('refuses an 11th request while ten are in flight, and admits again once one is answered', () => {
    const t = 0;
    const throttle = new SimThrottle(1, () => t);
    for (let i = 0; i < 10; i++) expect(throttle.admit('r', false)).toBe(true);
    expect(throttle.admit('r', false)).toBe(false);
    expect(throttle.admit('other-realm', false)).toBe(true);
    throttle.done('r');
    expect(throttle.admit('r', false)).toBe(true);
  });

  it('admits many more than ten requests in one second when each is answered before the next', () => {
    const throttle = new SimThrottle(1, () => 0);
    for (let i = 0; i < 50; i++) {
      expect(throttle.admit('r', false)).toBe(true);
      throttle.done('r');
    }
  });

  it('refuses the 501st request inside one minute, and admits again once the window slides', () => {
    let t = 0;
    const throttle = new SimThrottle(1, () => t);
    for (let second = 0; second < 50; second++) {
      t = second * 1000;
      for (let i = 0; i < 10; i++) {
        expect(throttle.admit('r', false)).toBe(true);
        throttle.done('r');
      }
    }
    t = 55_000;
    expect(throttle.admit('r', false)).toBe(false);
    t = 60_001;
    expect(throttle.admit('r', false)).toBe(true);
  });

  it('refuses the 41st batch in a minute and scales every window with timeScale', () => {
    let t = 0;
    const throttle = new SimThrottle(0.01, () => t);
    for (let i = 0; i < 40; i++) {
      t = i * 10; // one per scaled second
      expect(throttle.admit('r', true)).toBe(true);
      throttle.done('r');
    }
    t = 400;
    expect(throttle.admit('r', true)).toBe(false);
    expect(throttle.admit('r', false)).toBe(true);
    throttle.done('r');
    t = 601;
    expect(throttle.admit('r', true)).toBe(true);
  });
});
