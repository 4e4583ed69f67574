import { SimThrottle } from '../../../dev/qbo-simulator/throttle';

describe('simulator throttle windows (QBO: 10/s, 500/min, 40 batches/min per realm)', () => {
  it('refuses the 11th request inside one second', () => {
    let t = 0;
    const throttle = new SimThrottle(1, () => t);
    for (let i = 0; i < 10; i++) expect(throttle.admit('r', false)).toBe(true);
    expect(throttle.admit('r', false)).toBe(false);
    expect(throttle.admit('other-realm', false)).toBe(true);
    t = 1000;
    expect(throttle.admit('r', false)).toBe(true);
  });

  it('refuses the 501st request inside one minute even at under 10/s, and admits again once the window slides', () => {
    let t = 0;
    const throttle = new SimThrottle(1, () => t);
    for (let second = 0; second < 50; second++) {
      t = second * 1000;
      for (let i = 0; i < 10; i++) expect(throttle.admit('r', false)).toBe(true);
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
    }
    t = 400;
    expect(throttle.admit('r', true)).toBe(false);
    expect(throttle.admit('r', false)).toBe(true);
    t = 601;
    expect(throttle.admit('r', true)).toBe(true);
  });
});
