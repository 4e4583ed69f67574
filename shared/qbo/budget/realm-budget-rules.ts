/**
 * The fleet's QBO budget for one realm, as pure rules (no I/O, no clock: `now` comes in). QBO allows each realm and
 * app 10 requests in flight, 500 requests/min and 40 batch requests/min, whoever in the fleet sends them. The
 * budget is cut into 10 seats; a seat is the right to have 1 request in flight, to start at most one request per
 * seat interval and at most one batch request per batch interval. Requests on one seat are strictly spaced, so no
 * 60 s window can hold more than the realm's bound, whichever instances hold which seats (README.md here).
 *
 * Seats are leases in one small sync-state document per realm (`qbo-budget:<realmId>`); fleet-limiter.ts applies
 * these rules over the store's compare-and-set.
 */

/** QBO's concurrency limit per realm: one seat per request QBO lets us have in flight. */
export const REALM_SEATS = 10;

export const budgetKey = (realmId: string): string => `qbo-budget:${realmId}`;

export interface SeatLease {
  holder: string;
  /** Epoch ms. Past it, the seat is claimable once the request-timeout guard has also passed. */
  expiresAt: number;
}

/** The stored document. `wanting`: instances with demand and fewer seats than their share, with an expiry. */
export interface RealmBudget {
  seats: Array<SeatLease | null>;
  wanting: Record<string, number>;
}

/** Every interval and lease length of the budget, in ms; `budgetTiming` chooses them. */
export interface BudgetTiming {
  /** Between two starts on one seat. */
  seatIntervalMs: number;
  /** Between two batch starts on one seat. */
  batchIntervalMs: number;
  leaseTtlMs: number;
  /** A lease (or a wanting entry) is renewed once it is this old. */
  renewEveryMs: number;
  /** A held seat unused for this long goes back to the fleet. */
  idleLimitMs: number;
  /** The longest a request can stay in flight (the QBO client's timeout). */
  requestTimeoutMs: number;
  /** A holder starts nothing on a seat whose lease ends within this, unless renewed first. */
  stopMarginMs: number;
  /** How often an instance below its share with waiting requests re-reads the budget to claim freed seats. */
  claimPollMs: number;
}

/** The QBO client's request timeout (qbo-client.ts `requestTimeoutMs`); createQboAccess passes this very value. */
export const QBO_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Why these values (at timeScale 1):
 * - seat interval 61 000/50 ms: 10 seats start at most 492 requests a minute. The 2% pad (1.22 s instead of 1.2 s)
 *   absorbs the jitter between when we send and when QBO counts the arrival in its open 60 s window.
 * - batch interval 61 000/4 ms: 10 seats start at most 40 batch requests in any 60 s.
 * - lease TTL 30 s, renewed every 10 s (a third): a renewal that fails (Firestore contention, a slow transaction)
 *   has two more chances before the lease lapses, and each busy instance writes the one budget document about once
 *   every 10 s, well inside Firestore's sustained ~1 write/s per document for a fleet of a few instances per realm.
 *   A crashed holder's seats come back after TTL + request timeout = 60 s, the price of that write rate.
 * - idle limit 10 s (a renewal period): a seat unused for 8 intervals while nothing waits is capacity another
 *   instance could use; shorter would make a bursty consumer give back and re-claim (a store write and one
 *   interval's wait) often. Until then the seat is renewed.
 * - stop margin 3 s: covers clock skew between instances and a renewal racing the expiry.
 * - claim poll 2 intervals: a waiting instance notices freed seats within ~2.4 s, with one read each time.
 * Below timeScale 1/30 the lease values (TTL, renewal, idle limit, stop margin) stop shrinking: see leaseScale.
 */
export function budgetTiming(timeScale = 1, requestTimeoutMs = QBO_REQUEST_TIMEOUT_MS): BudgetTiming {
  const seatIntervalMs = (61_000 / 50) * timeScale;
  // The lease's clock is the store's round trip, which no time scale shortens: below 1 s a scaled lease would be
  // renewed more often than the embedded store (shared with the ledger) can take without slowing everything else.
  const leaseScale = Math.max(timeScale, 1_000 / 30_000);
  return {
    seatIntervalMs,
    batchIntervalMs: (61_000 / 4) * timeScale,
    leaseTtlMs: 30_000 * leaseScale,
    renewEveryMs: 10_000 * leaseScale,
    idleLimitMs: 10_000 * leaseScale,
    requestTimeoutMs: requestTimeoutMs * timeScale,
    stopMarginMs: 3_000 * leaseScale,
    claimPollMs: 2 * seatIntervalMs,
  };
}

/** What the instance knows about itself when it looks at the budget. */
export interface InstanceView {
  instanceId: string;
  now: number;
  /** Requests are waiting: claim seats up to the share, or register as wanting. */
  wantsMore: boolean;
  /** Held seats with a request in flight: never released now (another holder could overlap it). */
  busy: ReadonlySet<number>;
  /** Held seats unused for longer than the idle limit: released. */
  idle: ReadonlySet<number>;
  /** Shutting down: release every seat that is not busy and stop wanting. */
  leaving?: boolean;
}

export interface HeldSeat {
  index: number;
  expiresAt: number;
  /** Claimed by this decision: first usable one seat interval from now. */
  claimed: boolean;
}

export interface BudgetDecision {
  next: RealmBudget;
  /** False: nothing to write (the decision only reports what the instance holds). */
  changed: boolean;
  /** Every seat the instance holds once `next` is written. */
  held: HeldSeat[];
  released: number[];
  /** This instance's share of the 10 seats now. */
  share: number;
  /** Seats above the share that another instance waits for but that were busy: release them soon. */
  owedShed: number;
  /** Free or claimable seats left after this decision (an instance below its share polls for them). */
  claimableLeft: number;
}

export function emptyBudget(): RealmBudget {
  return { seats: Array.from({ length: REALM_SEATS }, () => null), wanting: {} };
}

/** A document in any older or damaged shape reads as its valid part; missing seats are free. */
function normalize(stored: RealmBudget | undefined): RealmBudget {
  const seats = Array.from({ length: REALM_SEATS }, (_, i) => {
    const seat = stored?.seats?.[i];
    return seat && typeof seat.holder === 'string' && typeof seat.expiresAt === 'number'
      ? { holder: seat.holder, expiresAt: seat.expiresAt }
      : null;
  });
  const wanting: Record<string, number> = {};
  for (const [id, until] of Object.entries(stored?.wanting ?? {})) if (typeof until === 'number') wanting[id] = until;
  return { seats, wanting };
}

/**
 * A seat another instance may claim: free, or expired for longer than the request timeout, so that the dead or
 * stalled holder's last request (started before its expiry) has been answered or abandoned.
 */
export function isClaimable(seat: SeatLease | null, now: number, timing: BudgetTiming): boolean {
  return seat === null || now > seat.expiresAt + timing.requestTimeoutMs;
}

/**
 * Each active instance's share. `ceil(10 / active)` alone over-promises (4 instances × 3 = 12 seats), which can leave
 * a late joiner with one seat while everyone else sits at 3. So the 10 seats are dealt out exactly: floor(10/n)
 * each, and the remainder one extra to those holding the most now (fewest seats move), ties by id so that every
 * instance computes the same shares.
 */
export function sharesOf(active: ReadonlyMap<string, number>): Map<string, number> {
  const n = active.size;
  const shares = new Map<string, number>();
  if (n === 0) return shares;
  const base = Math.floor(REALM_SEATS / n);
  const extra = REALM_SEATS % n;
  const order = [...active.entries()].sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0));
  order.forEach(([id], rank) => shares.set(id, base + (rank < extra ? 1 : 0)));
  return shares;
}

/** The instance looks at the budget: release idle seats, shed above its share, renew, claim, (un)register as wanting. */
export function decideRealmBudget(
  stored: RealmBudget | undefined,
  view: InstanceView,
  timing: BudgetTiming,
): BudgetDecision {
  const { instanceId: me, now } = view;
  const next = normalize(stored);
  let changed = false;
  const released: number[] = [];
  const release = (index: number) => {
    next.seats[index] = null;
    released.push(index);
    changed = true;
  };

  // Our own seats, even expired ones: nobody has taken them (the compare-and-set proves it), so we may renew them.
  const mineAt = () => next.seats.flatMap((seat, index) => (seat?.holder === me ? [index] : []));
  for (const index of mineAt()) if (!view.busy.has(index) && (view.leaving || view.idle.has(index))) release(index);

  for (const [id, until] of Object.entries(next.wanting)) if (until <= now) delete next.wanting[id];

  const counts = new Map<string, number>();
  for (const seat of next.seats)
    if (seat && seat.holder !== me && seat.expiresAt > now) counts.set(seat.holder, (counts.get(seat.holder) ?? 0) + 1);
  for (const id of Object.keys(next.wanting)) if (id !== me && !counts.has(id)) counts.set(id, 0);
  const demanding = !view.leaving && (view.wantsMore || mineAt().length > 0);
  if (demanding) counts.set(me, mineAt().length);
  const shares = sharesOf(counts);
  const share = shares.get(me) ?? 0;

  // Someone registered as wanting still holds fewer than its share: holders above theirs give seats back.
  const someoneWaits = Object.keys(next.wanting).some(
    (id) => id !== me && (counts.get(id) ?? 0) < (shares.get(id) ?? 0),
  );
  let owedShed = 0;
  if (someoneWaits && !view.leaving) {
    let excess = mineAt().length - share;
    for (const index of mineAt()) {
      if (excess <= 0) break;
      if (view.busy.has(index)) continue;
      release(index);
      excess--;
    }
    owedShed = Math.max(0, excess);
  }

  for (const index of mineAt()) {
    const seat = next.seats[index];
    // Renewed once a third of the lease is used (expiry closer than TTL - renewEvery), while there is demand.
    if (seat && seat.expiresAt - now < timing.leaseTtlMs - timing.renewEveryMs && !view.idle.has(index)) {
      next.seats[index] = { holder: me, expiresAt: now + timing.leaseTtlMs };
      changed = true;
    }
  }

  const claimed = new Set<number>();
  if (view.wantsMore && !view.leaving) {
    // Up to the share always; past it only while nobody else waits (idle capacity is better used than kept).
    const cap = someoneWaits ? share : REALM_SEATS;
    const claimable = next.seats
      .map((seat, index) => ({ seat, index }))
      .filter(({ seat }) => seat?.holder !== me && isClaimable(seat, now, timing))
      // Free seats before expired ones: an expired seat's holder may still come back and renew before we write.
      .sort((a, b) => (a.seat === null ? 0 : 1) - (b.seat === null ? 0 : 1) || a.index - b.index);
    for (const { index } of claimable) {
      if (mineAt().length >= cap) break;
      next.seats[index] = { holder: me, expiresAt: now + timing.leaseTtlMs };
      claimed.add(index);
      changed = true;
    }
  }

  const holding = mineAt().length;
  const wantingUntil = next.wanting[me];
  if (view.wantsMore && !view.leaving && holding < share) {
    if (wantingUntil === undefined || wantingUntil - now < timing.leaseTtlMs - timing.renewEveryMs) {
      next.wanting[me] = now + timing.leaseTtlMs;
      changed = true;
    }
  } else if (wantingUntil !== undefined) {
    delete next.wanting[me];
    changed = true;
  }

  const held = mineAt().map((index) => ({
    index,
    expiresAt: next.seats[index]?.expiresAt ?? 0,
    claimed: claimed.has(index),
  }));
  const claimableLeft = next.seats.filter((seat) => seat?.holder !== me && isClaimable(seat, now, timing)).length;
  return { next, changed, held, released, share, owedShed, claimableLeft };
}
