import {
  REALM_SEATS,
  budgetTiming,
  decideRealmBudget,
  emptyBudget,
  sharesOf,
  type InstanceView,
  type RealmBudget,
} from '../../../shared/qbo/budget/realm-budget-rules';

const timing = budgetTiming(1);
const T0 = 1_000_000;

const view = (instanceId: string, overrides: Partial<InstanceView> = {}): InstanceView => ({
  instanceId,
  now: T0,
  wantsMore: true,
  busy: new Set(),
  idle: new Set(),
  ...overrides,
});

/** A budget whose seats are held as listed (holder per seat, '' = free), all leased until `expiresAt`. */
function budgetOf(holders: string[], expiresAt = T0 + timing.leaseTtlMs, wanting: Record<string, number> = {}) {
  const budget: RealmBudget = emptyBudget();
  holders.forEach((holder, index) => {
    budget.seats[index] = holder ? { holder, expiresAt } : null;
  });
  budget.wanting = wanting;
  return budget;
}

const held = (budget: RealmBudget, holder: string) => budget.seats.filter((seat) => seat?.holder === holder).length;

describe('realm budget rules: claiming', () => {
  it('a lone instance with demand claims all 10 seats, each first usable one interval after the claim', () => {
    const decision = decideRealmBudget(undefined, view('a'), timing);
    expect(decision.changed).toBe(true);
    expect(decision.held).toHaveLength(REALM_SEATS);
    expect(decision.held.every((seat) => seat.claimed && seat.expiresAt === T0 + timing.leaseTtlMs)).toBe(true);
    expect(held(decision.next, 'a')).toBe(10);
    expect(decision.next.seats).toHaveLength(10);
  });

  it('never hands out an 11th seat, whatever the document says', () => {
    const damaged = { seats: [...budgetOf(['a', 'a']).seats, null, null, null], wanting: {} } as RealmBudget;
    damaged.seats.length = 14;
    const decision = decideRealmBudget(damaged, view('a'), timing);
    expect(decision.next.seats).toHaveLength(10);
    expect(decision.held).toHaveLength(10);
  });

  it('an instance without demand claims nothing and does not write', () => {
    const decision = decideRealmBudget(undefined, view('a', { wantsMore: false }), timing);
    expect(decision).toMatchObject({ changed: false, held: [] });
  });

  it('claims what is free, past its share while nobody waits; seats held by others stay theirs', () => {
    const decision = decideRealmBudget(budgetOf(['b', 'b', 'b', 'b', '', '', '', '', '', '']), view('a'), timing);
    expect(held(decision.next, 'b')).toBe(4);
    expect(held(decision.next, 'a')).toBe(6);
    // b is active with 4: shares are 5/5; a is above its share, so it does not register as wanting.
    expect(decision.share).toBe(5);
    expect(decision.next.wanting).toEqual({});
  });
});

describe('realm budget rules: expiry and the request-timeout guard', () => {
  const lapsed = budgetOf(
    Array.from({ length: 10 }, () => 'dead'),
    T0 - 1,
  );

  it('an expired seat is not claimable until it has been expired for longer than the QBO request timeout', () => {
    const early = decideRealmBudget(lapsed, view('a', { now: T0 + timing.requestTimeoutMs - 2 }), timing);
    expect(held(early.next, 'a')).toBe(0);
    // The dead holder no longer counts as active: a is alone, wants all 10, and registers as wanting.
    expect(early.share).toBe(10);
    const atEdge = decideRealmBudget(lapsed, view('a', { now: T0 - 1 + timing.requestTimeoutMs }), timing);
    expect(held(atEdge.next, 'a')).toBe(0);
    const after = decideRealmBudget(lapsed, view('a', { now: T0 + timing.requestTimeoutMs }), timing);
    expect(held(after.next, 'a')).toBe(10);
  });

  it('the holder of an expired seat nobody took may renew it', () => {
    const decision = decideRealmBudget(lapsed, view('dead', { now: T0 + 5 * timing.requestTimeoutMs }), timing);
    expect(held(decision.next, 'dead')).toBe(10);
    expect(decision.held.every((seat) => !seat.claimed)).toBe(true);
  });
});

describe('realm budget rules: renewing and giving back', () => {
  it('renews once a third of the lease is used, not before', () => {
    const budget = budgetOf(Array.from({ length: 10 }, () => 'a'));
    const soon = decideRealmBudget(budget, view('a', { wantsMore: false, now: T0 + timing.renewEveryMs - 1 }), timing);
    expect(soon.changed).toBe(false);
    const due = decideRealmBudget(budget, view('a', { wantsMore: false, now: T0 + timing.renewEveryMs + 1 }), timing);
    expect(due.changed).toBe(true);
    expect(due.held.every((seat) => seat.expiresAt === T0 + timing.renewEveryMs + 1 + timing.leaseTtlMs)).toBe(true);
  });

  it('releases idle seats, but never one with a request in flight', () => {
    const budget = budgetOf(['a', 'a', 'a']);
    const decision = decideRealmBudget(
      budget,
      view('a', { wantsMore: false, idle: new Set([0, 1]), busy: new Set([2]) }),
      timing,
    );
    expect(decision.released).toEqual([0, 1]);
    expect(decision.next.seats[2]?.holder).toBe('a');
  });

  it('leaving releases every seat that is not busy and stops wanting', () => {
    const budget = budgetOf(['a', 'a', 'b'], T0 + timing.leaseTtlMs, { a: T0 + 1_000 });
    const decision = decideRealmBudget(budget, view('a', { leaving: true, busy: new Set([1]) }), timing);
    expect(decision.released).toEqual([0]);
    expect(decision.next.wanting).toEqual({});
    expect(held(decision.next, 'b')).toBe(1);
  });
});

describe('realm budget rules: fair share and shedding', () => {
  it('deals the 10 seats out exactly: floor each, the remainder to those holding most', () => {
    expect([...sharesOf(new Map([['a', 10]])).values()]).toEqual([10]);
    const four = sharesOf(
      new Map([
        ['a', 4],
        ['b', 3],
        ['c', 3],
        ['d', 0],
      ]),
    );
    expect(Object.fromEntries(four)).toEqual({ a: 3, b: 3, c: 2, d: 2 });
    expect([...four.values()].reduce((sum, share) => sum + share, 0)).toBe(10);
    const three = sharesOf(
      new Map([
        ['x', 0],
        ['y', 0],
        ['z', 0],
      ]),
    );
    expect(Object.fromEntries(three)).toEqual({ x: 4, y: 3, z: 3 });
  });

  it('an instance with demand and no seat free registers as wanting, with an expiry', () => {
    const decision = decideRealmBudget(budgetOf(Array.from({ length: 10 }, () => 'a')), view('b'), timing);
    expect(held(decision.next, 'b')).toBe(0);
    expect(decision.share).toBe(5);
    expect(decision.next.wanting).toEqual({ b: T0 + timing.leaseTtlMs });
  });

  it('a holder above its share sheds at renewal when someone waits, keeping busy seats', () => {
    const budget = budgetOf(
      Array.from({ length: 10 }, () => 'a'),
      T0 + timing.leaseTtlMs,
      { b: T0 + 1_000 },
    );
    const decision = decideRealmBudget(budget, view('a', { busy: new Set([0, 1, 2, 3, 4, 5, 6]) }), timing);
    expect(decision.share).toBe(5);
    expect(decision.released).toEqual([7, 8, 9]);
    expect(decision.owedShed).toBe(2);
    const later = decideRealmBudget(decision.next, view('a', { now: T0 + 10 }), timing);
    expect(later.released).toHaveLength(2);
    expect(held(later.next, 'a')).toBe(5);
  });

  it('a holder does not shed when nobody waits, or when the wanter has its share', () => {
    const budget = budgetOf(Array.from({ length: 10 }, () => 'a'));
    expect(decideRealmBudget(budget, view('a'), timing).released).toEqual([]);
    const satisfied = budgetOf(['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b'], T0 + timing.leaseTtlMs, {
      b: T0 + 1_000,
    });
    expect(decideRealmBudget(satisfied, view('a'), timing).released).toEqual([]);
  });

  it('an expired wanter makes nobody shed', () => {
    const budget = budgetOf(
      Array.from({ length: 10 }, () => 'a'),
      T0 + timing.leaseTtlMs,
      { b: T0 },
    );
    const decision = decideRealmBudget(budget, view('a'), timing);
    expect(decision.released).toEqual([]);
    expect(decision.share).toBe(10);
  });

  it('a late joiner among three holders ends with its share once each holder has looked once', () => {
    let budget = budgetOf(['a', 'a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c']);
    budget = decideRealmBudget(budget, view('d'), timing).next;
    expect(budget.wanting.d).toBeDefined();
    for (const holder of ['a', 'b', 'c'])
      budget = decideRealmBudget(budget, view(holder, { now: T0 + 1 }), timing).next;
    const joined = decideRealmBudget(budget, view('d', { now: T0 + 2 }), timing);
    expect(held(joined.next, 'd')).toBe(2);
    expect(joined.next.wanting.d).toBeUndefined();
    expect(['a', 'b', 'c', 'd'].map((id) => held(joined.next, id)).reduce((x, y) => x + y, 0)).toBe(10);
  });

  it('past its share an instance claims idle capacity only while nobody else waits', () => {
    const budget = budgetOf(['b', 'b', '', '', '', '', '', '', '', ''], T0 + timing.leaseTtlMs, { b: T0 + 1_000 });
    // b waits with 2 < its share: a takes up to its own share (5) and leaves the rest for b.
    const withWaiter = decideRealmBudget(budget, view('a'), timing);
    expect(held(withWaiter.next, 'a')).toBe(5);
    delete budget.wanting.b;
    expect(held(decideRealmBudget(budget, view('a'), timing).next, 'a')).toBe(8);
  });
});
