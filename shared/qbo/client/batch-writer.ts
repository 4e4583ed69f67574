import { uuidV5 } from '../../accounting/operation';
import type { SyncError } from '../../errors';
import type { Logger } from '../../observability/logger';
import type { QboEntity, QboEntityName, QboSavedEntity } from '../entities';
import { QboServerError, QboThrottleError } from '../faults';
import type { BatchCreate, QboBatchTransport, QboClient, WriteOptions } from './qbo-client';
import type { QboRequestPermit } from './rate-limiter';
import { notSentError, QBO_MAX_BATCH_ITEMS } from './qbo-client';

/**
 * Creates for one realm, coalesced into QBO batch requests (issue #16): QBO allows a realm 500 requests a minute, of
 * which 40 may be batches of up to 30 operations, so singles alone stop near 500 writes a minute and batches add up
 * to 1,200 more. Only the transport changes: each create is still its own message's write, reserved in the ledger,
 * marked, probed on takeover, verified and committed by that message's pipeline (write-protocol.ts). Its caller gets
 * exactly what a single create gives: the saved entity, or the error a single create would throw for its Fault
 * (6140/6240/6000 go down the same probe-and-link path), or, when the batch's answer is lost, the unknown-outcome
 * error (`qbo_timeout`/`qbo_network`) a lost single create gives, so the protocol probes and nothing is re-sent.
 *
 * Flush policy:
 * - A create goes out alone while fewer than `maxSinglesInFlight` singles are under way: at low load nothing waits
 *   and no batch request (the scarcer budget, 40 a minute) is spent on one object. Measured: the backfill bench
 *   with QBO's clock sped up 100× (`--time-scale 0.01`, so singles always keep up) sent 1,000 objects with 0 batch
 *   requests. The single lanes take the queue's head whenever one frees: they are budget of their own (the rest of
 *   the 500 a minute).
 * - Past that, creates queue. Singles stop being free exactly when the realm's 500 a minute is used up, because the
 *   limiter then holds them (their permits wait), so the queue grows only when singles cannot keep up: the load that
 *   batches are for. Once queued items have waited `lingerMs` (or 30 are queued), a batch lane opens, up to
 *   `maxBatchesInFlight`, and waits for a batch permit (one every 1.5 s at 40 a minute across the fleet).
 * - **A lane chooses its items when its permit comes, not when it opens**: everything queued by then, up to 30.
 *   Choosing at opening sent the batches of a 1,500-object backfill 13 items full on average while their permits
 *   came 1.5 s apart; the creates that queued in between waited for the next lane. A lane opens only for items the
 *   lanes already waiting will not carry, and one whose queue emptied meanwhile gives its permit back unsent.
 * - `lingerMs` 50: the creates of concurrently delivered messages arrive a few milliseconds apart (each after its
 *   ledger reservation); 50 ms gathers them when a batch permit is to be had at once. Not tuned further.
 * - `maxSinglesInFlight` is kept small (4 of QBO's 10 concurrent requests) so the queue sees the backlog instead
 *   of the limiter hiding it, and reads and queries keep room.
 * - A create carries its caller's deadline (`sendWithinMs`, from its ledger lease): one still queued, or still waiting
 *   for a permit, when it passes is not sent and fails `qbo_not_sent`, so a takeover never races it. (Without it, a
 *   1,500-object run behind the relay, 5 s local leases, made one duplicate: a create that outwaited its lease.)
 * Voids, deletes, reads and queries are never batched: they go straight to the client.
 */
export interface BatchWriterOptions {
  logger: Logger;
  /** How long the oldest queued create may wait for a batch to fill (default 50 ms). */
  lingerMs?: number;
  maxBatchItems?: number;
  maxBatchesInFlight?: number;
  maxSinglesInFlight?: number;
  /**
   * How long an item may keep being re-queued after a per-item throttle or system fault, as the client's retry
   * budget bounds a single create's retries (default 10 s).
   */
  retryBudgetMs?: number;
  now?: () => number;
}

interface Queued {
  entity: QboEntityName;
  body: QboEntity;
  requestId: string;
  notAfter: number | undefined;
  queuedAt: number;
  deadline: number;
  attempts: number;
  resolve(saved: QboSavedEntity): void;
  reject(error: unknown): void;
}

export interface BatchWriterStats {
  singles: number;
  batches: number;
  batchedItems: number;
}

export type BatchingQboClient = QboClient & { batchStats(): BatchWriterStats };

/** The batch's requestid: deterministic over its items' own request ids, so a batch re-sent whole dedupes as one. */
function batchRequestId(items: readonly Queued[]): string {
  return uuidV5(`batch\n${items.map((item) => item.requestId).join('\n')}`);
}

/** A per-item fault a single create would have retried in the client: the item goes round once more. */
function retriedInProcess(error: SyncError): boolean {
  return error instanceof QboThrottleError || error instanceof QboServerError;
}

export function withBatchedCreates(
  client: QboClient & QboBatchTransport,
  options: BatchWriterOptions,
): BatchingQboClient {
  const lingerMs = options.lingerMs ?? 50;
  const maxItems = Math.min(QBO_MAX_BATCH_ITEMS, options.maxBatchItems ?? QBO_MAX_BATCH_ITEMS);
  const maxBatches = options.maxBatchesInFlight ?? 2;
  const maxSingles = options.maxSinglesInFlight ?? 4;
  const retryBudgetMs = options.retryBudgetMs ?? 10_000;
  const now = options.now ?? Date.now;
  const queue: Queued[] = [];
  const stats: BatchWriterStats = { singles: 0, batches: 0, batchedItems: 0 };
  let singlesInFlight = 0;
  /** Batch lanes open: waiting for a permit, or sending. */
  let batchesInFlight = 0;
  /** Of those, the lanes still waiting for their permit: each will take up to `maxItems` of the queue. */
  let lanesAwaitingPermit = 0;
  let timer: NodeJS.Timeout | undefined;

  function sendSingle(item: Queued): void {
    singlesInFlight += 1;
    stats.singles += 1;
    client
      .create(item.entity, item.body, {
        requestId: item.requestId,
        ...(item.notAfter !== undefined ? { sendWithinMs: item.notAfter - now() } : {}),
      })
      .then(item.resolve, item.reject)
      .finally(() => {
        singlesInFlight -= 1;
        pump();
      });
  }

  function settle(item: Queued, error: SyncError): void {
    if (retriedInProcess(error) && now() + backoff(item.attempts) < item.deadline) {
      item.attempts += 1;
      setTimeout(() => {
        queue.unshift(item);
        pump();
      }, backoff(item.attempts)).unref();
      return;
    }
    item.reject(error);
  }

  const backoff = (attempts: number) => Math.min(5_000, 250 * 2 ** attempts);

  /** A batch lane: its permit first, then what is queued by then (see the flush policy). */
  function openBatchLane(): void {
    batchesInFlight += 1;
    lanesAwaitingPermit += 1;
    client.batchPermit().then(
      (permit) => {
        lanesAwaitingPermit -= 1;
        dropExpired();
        const items = queue.splice(0, maxItems);
        if (items.length > 0) return sendBatch(items, permit);
        // The single lanes took everything meanwhile: the permit goes back unspent.
        permit.release();
        batchesInFlight -= 1;
        pump();
        return undefined;
      },
      (error: unknown) => {
        // No leave to send (the budget's store unreachable, or the wait too long): the items this lane would have
        // carried fail as a single create waiting for its permit would (both are retryable).
        lanesAwaitingPermit -= 1;
        batchesInFlight -= 1;
        for (const item of queue.splice(0, maxItems)) item.reject(error);
        pump();
      },
    );
  }

  async function sendBatch(items: Queued[], permit: QboRequestPermit): Promise<void> {
    // The batch leaves only while every item's lease would outlive it (dropExpired took the expired ones out).
    const deadlines = items.flatMap((item) => (item.notAfter === undefined ? [] : [item.notAfter]));
    stats.batches += 1;
    stats.batchedItems += items.length;
    const requests: BatchCreate[] = items.map((item, index) => ({
      bId: `b${index}`,
      entity: item.entity,
      body: item.body,
    }));
    const started = now();
    try {
      const results = await client.createBatch(requests, {
        permit,
        requestId: batchRequestId(items),
        ...(deadlines.length > 0 ? { sendWithinMs: Math.min(...deadlines) - now() } : {}),
      });
      options.logger.debug({ items: items.length, ms: now() - started }, 'qbo batch answered');
      results.forEach((result, index) => {
        const item = items[index]!;
        if ('saved' in result) item.resolve(result.saved);
        else settle(item, result.error);
      });
    } catch (error) {
      // The whole request failed as a single one would have (after the client's own retries), or its answer was
      // lost: every item gets that error, and for a lost answer that is the unknown outcome, so each probes.
      for (const item of items) item.reject(error);
    } finally {
      batchesInFlight -= 1;
      pump();
    }
  }

  /** Sends what the policy above lets go now, and wakes itself for the oldest unclaimed item's linger. */
  function pump(): void {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    dropExpired();
    while (queue.length > 0) {
      if (singlesInFlight < maxSingles) {
        sendSingle(queue.shift()!);
        continue;
      }
      // Items beyond what the lanes already waiting for a permit will carry.
      const claimed = lanesAwaitingPermit * maxItems;
      const oldestUnclaimed = queue[claimed];
      if (!oldestUnclaimed) return;
      const waited = now() - oldestUnclaimed.queuedAt;
      const ripe = queue.length - claimed >= maxItems || waited >= lingerMs;
      if (ripe && batchesInFlight < maxBatches) {
        openBatchLane();
        continue;
      }
      // Not ripe: wake when it is. Otherwise a lane finishing calls pump again.
      if (!ripe) wakeAfter(lingerMs - waited);
      return;
    }
  }

  function wakeAfter(ms: number): void {
    timer = setTimeout(pump, Math.max(1, ms));
  }

  /** Items whose deadline passed while queued fail unsent, as a single held past its deadline does. */
  function dropExpired(): void {
    const at = now();
    for (let index = queue.length - 1; index >= 0; index -= 1) {
      const item = queue[index]!;
      if (item.notAfter === undefined || at <= item.notAfter) continue;
      queue.splice(index, 1);
      item.reject(notSentError(`create ${item.entity}`));
    }
  }

  function create(entity: QboEntityName, body: QboEntity, options: WriteOptions): Promise<QboSavedEntity> {
    return new Promise((resolve, reject) => {
      const at = now();
      const item: Queued = {
        entity,
        body,
        requestId: options.requestId,
        notAfter: options.sendWithinMs === undefined ? undefined : at + options.sendWithinMs,
        queuedAt: at,
        deadline: at + retryBudgetMs,
        attempts: 0,
        resolve,
        reject,
      };
      // Nothing queued and a single lane free: it goes at once, alone (the client retries it as any single).
      if (queue.length === 0 && singlesInFlight < maxSingles) sendSingle(item);
      else {
        queue.push(item);
        pump();
      }
    });
  }

  return {
    create,
    read: (entity, id) => client.read(entity, id),
    voidTxn: (entity, ref, writeOptions) => client.voidTxn(entity, ref, writeOptions),
    delete: (entity, ref, writeOptions) => client.delete(entity, ref, writeOptions),
    query: (sql) => client.query(sql),
    batchStats: () => ({ ...stats }),
  };
}
