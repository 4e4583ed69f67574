import { fxDifferenceOperation, settlementFor } from './fx';
import { buildOperation, type Plan, type PlanContext, type PlannedOperation } from './operation';

/**
 * A RefundReceipt (money out of `DepositToAccountRef`), with the exchange difference of a foreign-currency refund
 * (fx.ts) when it has one. Every recipe that books a Stripe refund goes through here, so the refund's write is
 * the same whichever event plans it.
 */
export function refundReceiptOperations(
  context: PlanContext,
  spec: {
    stripeId: string;
    stripeObject: string;
    currency: string;
    amount: number;
    body: Record<string, unknown>;
    txnDate: string | undefined;
    docNumber?: string | undefined;
    note?: string | undefined;
    /** The Stripe refund whose balance transaction settled it; none for money refunded outside Stripe. */
    settledBy?: string | undefined;
  },
): PlannedOperation[] | Plan {
  const settlement = spec.settledBy === undefined ? undefined : settlementFor(context, spec.settledBy, spec.currency);
  if (settlement !== undefined && 'park' in settlement) return settlement.park;
  const operations = [
    buildOperation(context, {
      entity: 'RefundReceipt',
      stripeId: spec.stripeId,
      stripeObject: spec.stripeObject,
      currency: spec.currency,
      expectedTotalMinor: spec.amount,
      body: spec.body,
      ...(spec.txnDate === undefined ? {} : { txnDate: spec.txnDate }),
      ...(spec.docNumber === undefined ? {} : { docNumber: spec.docNumber }),
      ...(spec.note === undefined ? {} : { note: spec.note }),
      ...(settlement === undefined ? {} : { exchangeRate: settlement.rate }),
    }),
  ];
  if (settlement !== undefined && spec.settledBy !== undefined) {
    const fx = fxDifferenceOperation(context, {
      stripeId: spec.settledBy,
      stripeObject: 'refund',
      amount: spec.amount,
      currency: spec.currency,
      settlement,
      direction: -1,
      txnDate: spec.txnDate,
    });
    if (fx !== undefined) operations.push(fx);
  }
  return operations;
}
