import { PermanentError, RetryableError, classifyError } from '../errors';
import type { PlannedOperation } from '../accounting/plan';
import { uuidV5 } from '../accounting/operation';
import type { Ledger, LedgerEntry } from '../stores/ports';
import { qboLiteral, type QboObject, type QboWriter } from './qbo-port';

/** How long one attempt may hold an object: longer than a QBO write with its retries, shorter than Pub/Sub's backoff. */
export const LEASE_MS = 120_000;

/**
 * A create must leave at least this long before its lease runs out (half the lease when that is shorter): the time
 * its request, the client's retries of it and the commit may take. One that waited longer for QBO capacity (the
 * realm's budget, a batch filling) is not sent, so a takeover after the lease never races a write still in flight.
 */
const SEND_MARGIN_MS = 45_000;

export type OperationOutcome =
  | { kind: 'posted'; qbo: QboObject; entry: LedgerEntry; recovered: boolean }
  | { kind: 'already_posted'; entry: LedgerEntry };

/** Looks for a QBO object to adopt instead of creating one (customers matched by email or name). */
export type FindExisting = () => Promise<QboObject | undefined>;

export interface WriteContext {
  tenantId: string;
  realmId: string;
  ledger: Ledger;
  qbo: QboWriter;
  leaseOwner: string;
  now: () => number;
  /** Lease length; LEASE_MS unless the deployment's redelivery backoff is shorter (the local stack's chaos run). */
  leaseMs?: number;
}

/**
 * A Stripe void of an invoice QBO already has money applied to (a payment, a credit memo through a payment):
 * voiding it in QBO would detach that money and leave it unapplied on the customer, so a person decides
 * (DESIGN section 6: "only if nothing is applied to it; else review").
 */
export class InvoiceHasAppliedPaymentsError extends PermanentError {
  constructor(
    readonly qboId: string,
    detail: string,
  ) {
    super(`QBO invoice ${qboId} has payments or credits applied; not voided`, {
      code: 'invoice_has_applied_payments',
      detail: `qboId=${qboId} ${detail}`,
    });
  }
}

/** LinkedTxn types on a QBO invoice that mean money was applied to it. */
const APPLIED_TXN_TYPES = new Set(['Payment', 'CreditMemo']);

const amountText = (value: unknown): string => (typeof value === 'number' ? value.toFixed(3) : String(value));

/**
 * What is applied to a QBO invoice, as id-only text for the review item, or undefined when nothing is: an open
 * Balance below TotalAmt, or a LinkedTxn of a payment or credit memo (QBO lists one even when it nets to zero).
 */
export function appliedToInvoice(invoice: QboObject): string | undefined {
  const links = (Array.isArray(invoice.LinkedTxn) ? (invoice.LinkedTxn as unknown[]) : [])
    .map((link) => (typeof link === 'object' && link !== null ? (link as Record<string, unknown>) : {}))
    .filter((link) => APPLIED_TXN_TYPES.has(String(link.TxnType)));
  const total = invoice.TotalAmt;
  const balance = invoice.Balance;
  const paidDown = total !== undefined && balance !== undefined && !sameAmount(amountText(total), balance);
  if (!paidDown && links.length === 0) return undefined;
  const linked = links.map((link) => `${String(link.TxnType)}:${String(link.TxnId)}`).join(',');
  return `TotalAmt=${String(total)} Balance=${String(balance)}${linked ? ` LinkedTxn=${linked}` : ''}`;
}

function marker(stripeId: string): string {
  return `stripe:${stripeId}`;
}

/**
 * Our marker, in the field where the entity keeps it: a QBO Customer has `Notes` and no `PrivateNote` (DESIGN
 * section 5). Matched as a word anywhere in the note, because voiding prepends "Voided" to a PrivateNote.
 */
function carriesMarker(object: QboObject, stripeId: string, entity?: string): boolean {
  const note = entity === 'Customer' ? object.Notes : object.PrivateNote;
  return typeof note === 'string' && note.split(/\s+/).includes(marker(stripeId));
}

/** Decimal strings compared as integers of the smallest unit present: never through floats. */
export function sameAmount(expected: string, actual: unknown): boolean {
  const normalize = (value: string) => {
    const [whole = '0', fraction = ''] = value.replace(/^(-?)0+(?=\d)/, '$1').split('.');
    return { whole, fraction: fraction.replace(/0+$/, '') };
  };
  const a = normalize(expected);
  const b = normalize(typeof actual === 'number' ? actual.toFixed(3) : String(actual));
  return a.whole === b.whole && a.fraction === b.fraction;
}

/** QBO's largest page. */
const PROBE_PAGE = 1000;

/**
 * Step 5 of DESIGN section 5: an earlier attempt may have written to QBO before it could commit. Look for the
 * object by DocNumber, else by date, and accept it only if it carries our marker. QBO has no default order, so the
 * by-date probe pages with ORDERBY and STARTPOSITION: a day with more than one page of documents is read whole.
 */
export async function probeForEarlierWrite(
  qbo: QboWriter,
  operation: PlannedOperation,
): Promise<QboObject | undefined> {
  if (operation.operation !== 'create') return undefined;
  const entity = operation.entity;
  const ours = (candidates: QboObject[]) =>
    candidates.find((candidate) => carriesMarker(candidate, operation.stripeId, entity));
  if (entity === 'Customer') {
    const name = operation.body.DisplayName;
    if (typeof name !== 'string') return undefined;
    return ours(await qbo.query(`SELECT * FROM Customer WHERE DisplayName = ${qboLiteral(name)}`));
  }
  if (operation.docNumber)
    return ours(await qbo.query(`SELECT * FROM ${entity} WHERE DocNumber = ${qboLiteral(operation.docNumber)}`));
  if (!operation.txnDate) return undefined;
  for (let start = 1; ; start += PROBE_PAGE) {
    const page = await qbo.query(
      `SELECT * FROM ${entity} WHERE TxnDate = ${qboLiteral(operation.txnDate)} ORDERBY Id ` +
        `STARTPOSITION ${start} MAXRESULTS ${PROBE_PAGE}`,
    );
    const found = ours(page);
    if (found || page.length < PROBE_PAGE) return found;
  }
}

/**
 * Faults that, on a create of ours, usually mean an earlier attempt of ours already landed (QBO's requestid replay
 * is unreliable): its DocNumber or name is taken (6140/6240), or the invoice it pays is already paid (6000,
 * over-application). The write protocol probes for its marker before calling them a rejection.
 */
const PROBE_ON_FAULT = new Set(['qbo_6140', 'qbo_6240', 'qbo_6000']);

/**
 * No answer at all: the create may have landed. The client does not re-send a create (a second POST could make a
 * second object), so the protocol probes at once; not found, the entry stays `pending` and the redelivery probes
 * again before it posts.
 */
const UNKNOWN_OUTCOME = new Set(['qbo_timeout', 'qbo_network']);

/** The answer QBO gives a delete (fixtures/qbo/invoice-delete-response.json), for a target found already gone. */
function deletedStub(targetId: string): QboObject {
  return { domain: 'QBO', status: 'Deleted', Id: targetId };
}

/** Our document, voided: QBO zeroes it and prepends "Voided" to its PrivateNote, which keeps our marker. */
function isOurVoid(object: QboObject, stripeId: string): boolean {
  const note = typeof object.PrivateNote === 'string' ? object.PrivateNote : '';
  return note.split(/\s+/)[0] === 'Voided' && carriesMarker(object, stripeId);
}

/**
 * The target of a void or delete as QBO has it now, or the finished result when an earlier attempt of ours already
 * did the work (its response lost; QBO's requestid replay cannot be relied on to say so): a voided document carrying
 * our marker, or, for a delete, a target QBO no longer has (610). A deleted object can be neither read nor queried,
 * so its marker cannot be checked; it is ours because its id is the one our ledger holds for our own create.
 */
async function readTarget(
  qbo: QboWriter,
  operation: PlannedOperation,
  targetId: string,
): Promise<{ done: QboObject } | { current: QboObject }> {
  let current: QboObject;
  try {
    current = await qbo.read(operation.entity, targetId);
  } catch (error) {
    if (operation.operation === 'delete' && classifyError(error).code === 'qbo_610')
      return { done: deletedStub(targetId) };
    throw error;
  }
  if (operation.operation === 'void' && isOurVoid(current, operation.stripeId)) return { done: current };
  return { current };
}

/** Sends the write; `found` when a void or delete turned out to be done already (see readTarget). */
async function performWrite(
  qbo: QboWriter,
  operation: PlannedOperation,
  body: Record<string, unknown>,
  targetId: string | undefined,
  sendWithinMs: number,
): Promise<{ object: QboObject; found: boolean }> {
  const sent = (object: QboObject) => ({ object, found: false });
  if (operation.operation === 'create')
    return sent(await qbo.create(operation.entity, body, { requestId: operation.requestId, sendWithinMs }));
  if (!targetId) throw new PermanentError(`${operation.operation} needs a target`, { code: 'missing_target' });
  const target = await readTarget(qbo, operation, targetId);
  if ('done' in target) return { object: target.done, found: true };
  const { current } = target;
  const ref = { Id: targetId, SyncToken: String(current.SyncToken ?? '0') };
  if (operation.operation === 'void' && operation.entity === 'Invoice') {
    const applied = appliedToInvoice(current);
    if (applied !== undefined) throw new InvoiceHasAppliedPaymentsError(targetId, applied);
  }
  if (operation.operation === 'void')
    return sent(await qbo.voidTxn(operation.entity, ref, { requestId: operation.requestId }));
  if (operation.operation === 'delete')
    return sent(await qbo.delete(operation.entity, ref, { requestId: operation.requestId }));
  throw new PermanentError(`unsupported operation ${operation.operation}`, { code: 'unsupported_operation' });
}

/**
 * Faults that, on a void or delete of ours, may mean our own earlier send did it: no answer at all, or the client's
 * in-process retry of a send that had landed meeting the result (a deleted target is 610, a voided one has a new
 * SyncToken: 5010). The protocol reads the target before calling it a failure.
 */
const CHECK_TARGET_ON_FAULT = new Set(['qbo_610', 'qbo_5010', 'qbo_timeout', 'qbo_network']);

/**
 * Runs one planned QBO write exactly once (DESIGN section 5): ledger check, atomic reserve with a lease,
 * probe when an earlier attempt may have written, post with requestid and the PrivateNote marker, commit the QBO
 * id to the ledger. Verifying the total and publishing the link are the next stages' (verify.ts, record.ts).
 * `body` is the operation's body with every $ref resolved; `targetId` the QBO id for void/delete.
 */
export async function writeOnce(
  context: WriteContext,
  operation: PlannedOperation,
  body: Record<string, unknown>,
  targetId?: string,
  findExisting?: FindExisting,
): Promise<OperationOutcome> {
  const key = { tenantId: context.tenantId, stripeId: operation.stripeId, operation: operation.operation };
  const reservation = await context.ledger.reserve({
    ...key,
    requestId: operation.requestId,
    qboEntity: operation.entity,
    leaseOwner: context.leaseOwner,
    leaseMs: context.leaseMs ?? LEASE_MS,
    now: context.now(),
  });
  if (reservation.outcome === 'already_posted') return { kind: 'already_posted', entry: reservation.entry };
  if (reservation.outcome === 'leased_elsewhere')
    throw new RetryableError(`${operation.stripeId} is being written by another attempt`, {
      code: 'leased_elsewhere',
      retryAfterMs: Math.max(1_000, reservation.entry.leaseExpiresAt - context.now()),
    });

  // A re-driven item QBO refused before (ledger `failed`: reserved again, not taken over) gets a fresh requestid,
  // because QBO may answer a repeated requestid with its cached failure. After an unknown outcome (`pending`) the
  // first requestid is kept, so QBO's own replay, where it works, still dedupes.
  const requestId =
    !reservation.takenOver && reservation.entry.attempts > 1
      ? uuidV5(`${operation.requestId}\nattempt ${reservation.entry.attempts}`)
      : operation.requestId;
  let qboObject: QboObject | undefined;
  let recovered = false;
  try {
    if (reservation.takenOver) {
      qboObject = await probeForEarlierWrite(context.qbo, operation);
      recovered = qboObject !== undefined;
    }
    if (!qboObject && findExisting) {
      qboObject = await findExisting();
      recovered = qboObject !== undefined;
    }
    try {
      if (!qboObject) {
        const leaseMs = context.leaseMs ?? LEASE_MS;
        // Relative, so the client's clock need not be the protocol's.
        const sendWithinMs = reservation.entry.leaseExpiresAt - Math.min(SEND_MARGIN_MS, leaseMs / 2) - context.now();
        const written = await performWrite(context.qbo, { ...operation, requestId }, body, targetId, sendWithinMs);
        qboObject = written.object;
        recovered = written.found;
      }
    } catch (error) {
      // Our own earlier write, in-process (a lost response) or on redelivery: link it instead of parking.
      const code = classifyError(error).code;
      if (operation.operation !== 'create') {
        if (!targetId || !CHECK_TARGET_ON_FAULT.has(code)) throw error;
        const target = await readTarget(context.qbo, operation, targetId);
        if (!('done' in target)) throw error;
        qboObject = target.done;
      } else {
        if (!(PROBE_ON_FAULT.has(code) || UNKNOWN_OUTCOME.has(code))) throw error;
        qboObject = await probeForEarlierWrite(context.qbo, operation);
        if (!qboObject) throw error;
      }
      recovered = true;
    }
  } catch (error) {
    const failure = classifyError(error);
    // Unknown outcome (timeout, 5xx after the write) keeps `pending`, so the next attempt probes before posting.
    await context.ledger.release(key, context.leaseOwner, {
      state: failure.retryable ? 'pending' : 'failed',
      detail: failure.code,
      now: context.now(),
    });
    throw failure;
  }
  const qboId = String(qboObject.Id ?? '');
  if (!qboId) throw new RetryableError(`QBO answered ${operation.entity} without an Id`, { code: 'qbo_no_id' });
  const customerId = (qboObject.CustomerRef as { value?: unknown } | undefined)?.value;
  const entry = await context.ledger.commit(key, context.leaseOwner, {
    qboId,
    ...(qboObject.SyncToken !== undefined ? { qboSyncToken: String(qboObject.SyncToken) } : {}),
    ...(typeof customerId === 'string' ? { qboCustomerId: customerId } : {}),
    now: context.now(),
  });
  return { kind: 'posted', qbo: qboObject, entry, recovered };
}
