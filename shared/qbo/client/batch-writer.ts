import { uuidV5 } from '../../accounting/operation';
import type { SyncError } from '../../errors';
import type { Logger } from '../../observability/logger';
import type { QboEntity, QboEntityName, QboSavedEntity } from '../entities';
import { QboServerError, QboThrottleError } from '../faults';
import type { BatchCreate, QboBatchTransport, QboClient, WriteOptions } from './qbo-client';
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
 * - A create goes out alone at once while fewer than `maxSinglesInFlight` singles are under way: at low load
 *   nothing waits and no batch request (the scarcer budget, 40 a minute) is spent on one object. Measured: the
 *   backfill bench with QBO's clock sped up 100× (`--time-scale 0.01`, so singles always keep up) sent 1,000 objects
 *   with 0 batch requests.
 * - Past that, creates queue. Singles stop being free exactly when the realm's 500 a minute is used up, because the
 *   limiter then holds them (their permits wait), so the queue grows only when singles cannot keep up: the load that
 *   batches are for. A queued batch leaves when it has 30 items, or when its oldest item has waited `lingerMs`, with
 *   at most `maxBatchesInFlight` batch requests under way. While those wait for a batch permit (every 1.5 s at 40 a
 *   minute) the single lanes keep taking the queue's head (they are budget of their own), and what they cannot take
 *   keeps the queue filling, so under a backlog the batches leave fuller. (Without that, a 3,000-create run stood
 *   still between batch permits with its single lanes idle.) Measured on QBO's real clock
 *   (1,500 objects, 2.8 min): 105 batch requests, 38 a minute, the batch budget used up and 0 throttled.
 * - `lingerMs` 50: the creates of concurrently delivered messages arrive a few milliseconds apart (each after its
 *   ledger reservation); 50 ms gathers them and is small next to a QBO round trip. Not tuned further.
 * - `maxSinglesInFlight` is kept small (4 of QBO's 10 concurrent requests) so the queue sees the backlog instead
 *   of the limiter hiding it, and reads and queries keep room.
 * - One queued item alone goes as a single, not as a batch of one, once a single slot frees (or as a batch of one
 *   when the singles have been held for four lingers: the minute budget is spent and only batch permits are left).
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

/** How many lingers a lone queued item waits for a single lane before it goes as a batch of one. */
const LONE_ITEM_WAITS = 4;

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
  let batchesInFlight = 0;
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

  async function sendBatch(queued: Queued[]): Promise<void> {
    const items = queued;
    // The batch leaves only while every item's lease would outlive it (pump dropped the expired ones).
    const deadlines = items.flatMap((item) => (item.notAfter === undefined ? [] : [item.notAfter]));
    batchesInFlight += 1;
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

  /** Sends what the policy above lets go now, and wakes itself for the oldest item's linger. */
  function pump(): void {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    dropExpired();
    while (queue.length > 0) {
      const waited = now() - queue[0]!.queuedAt;
      if (queue.length === 1) {
        if (singlesInFlight < maxSingles) {
          sendSingle(queue.shift()!);
          continue;
        }
        // A lone item waits for a single lane rather than spend a batch request on itself, unless the singles are
        // held a while (the realm's minute budget used up) and a batch lane is free.
        if (waited >= LONE_ITEM_WAITS * lingerMs && batchesInFlight < maxBatches) {
          void sendBatch(queue.splice(0, 1));
          continue;
        }
        return wakeAfter(LONE_ITEM_WAITS * lingerMs - waited);
      }
      const ripe = queue.length >= maxItems || waited >= lingerMs;
      if (ripe && batchesInFlight < maxBatches) {
        void sendBatch(queue.splice(0, maxItems));
        continue;
      }
      // Every batch lane is taken (most likely waiting for a batch permit, 40 a minute): the single lanes are
      // capacity of their own (the rest of the 500 a minute), so they take the queue's head meanwhile.
      if (batchesInFlight >= maxBatches && singlesInFlight < maxSingles) {
        sendSingle(queue.shift()!);
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
