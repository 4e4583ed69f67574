import { customerRefOf } from './invoice';
import {
  buildOperation,
  currencyProblem,
  finishPlan,
  isBeforeGoLive,
  qboPaymentRef,
  skip,
  type Plan,
  type PlanContext,
  type PlannedOperation,
} from './operation';
import { salesItemLine } from './sales-lines';
import {
  isRecord,
  listRecords,
  optInteger,
  optString,
  refId,
  requireCurrency,
  requireInteger,
  requireString,
  type StripeRecord,
} from './stripe-fields';

/**
 * Statuses in which the refund has already left the Stripe balance: Stripe debits the balance when the refund is
 * created, even while the card network still shows it `pending`, and the payout's balance transactions carry it.
 */
const POSTED_REFUND_STATUSES = new Set(['succeeded', 'pending']);

/**
 * One RefundReceipt out of the clearing account (section 6). Its ledger key is the refund id, and the credit-note
 * recipe plans a refund that a credit note made under the same key: a Stripe refund reaches QBO once, whichever
 * event arrives first, and the other one finds it `already_linked`. (A Stripe refund object does not say whether a
 * credit note made it, so the refund recipe cannot skip it on its own.) The item of the refunded sale is not in
 * the refund; `defaultItem` stands in, as for the SalesReceipt of the charge.
 */
export function refundReceiptOperation(
  context: PlanContext,
  refund: StripeRecord,
  customerRef: { $ref: string } | undefined,
): PlannedOperation | Plan {
  const refundId = requireString(refund, 'id');
  const amount = requireInteger(refund, 'amount');
  if (amount === 0) return skip('zero_amount');
  const currency = requireCurrency(refund);
  const currencyPark = currencyProblem(context, currency);
  if (currencyPark !== undefined) return currencyPark;
  const chargeId = refId(refund.charge);
  const created = optInteger(refund, 'created');
  const body: Record<string, unknown> = {
    Line: [
      salesItemLine(currency, {
        amount,
        quantity: 1,
        description: chargeId === undefined ? `Stripe refund ${refundId}` : `Refund of Stripe charge ${chargeId}`,
        itemRef: context.item('defaultItem'),
      }),
    ],
    DepositToAccountRef: context.account('stripeClearing'),
    PaymentRefNum: qboPaymentRef(refundId),
  };
  if (customerRef !== undefined) body.CustomerRef = customerRef;
  return buildOperation(context, {
    entity: 'RefundReceipt',
    stripeId: refundId,
    stripeObject: 'refund',
    currency,
    body,
    expectedTotalMinor: amount,
    ...(created === undefined ? {} : { txnDate: context.date(created) }),
  });
}

function isOperation(value: PlannedOperation | Plan): value is PlannedOperation {
  return 'entity' in value;
}

/** `refund.created` / `refund.updated`. */
export function planRefund(context: PlanContext, refund: StripeRecord): Plan {
  if (isBeforeGoLive(context, optInteger(refund, 'created'))) return skip('before_go_live');
  if (!POSTED_REFUND_STATUSES.has(optString(refund, 'status') ?? '')) return skip('refund_not_succeeded');
  const charge = isRecord(refund.charge) ? refund.charge : undefined;
  const planned = refundReceiptOperation(context, refund, charge === undefined ? undefined : customerRefOf(charge));
  return isOperation(planned) ? finishPlan(context, [planned]) : planned;
}

/**
 * `charge.refunded` carries the charge. Up to API 2022-11-15 it embeds `refunds.data`; we plan every listed
 * refund (each under its own refund id, so the `refund.created` of the same refund is a duplicate, not a second
 * receipt). Later versions list none, and the refund events carry the refunds instead.
 */
export function planChargeRefunded(context: PlanContext, charge: StripeRecord): Plan {
  if (isBeforeGoLive(context, optInteger(charge, 'created'))) return skip('before_go_live');
  const refunds = listRecords(charge.refunds).filter((refund) =>
    POSTED_REFUND_STATUSES.has(optString(refund, 'status') ?? ''),
  );
  if (refunds.length === 0) return skip('refunds_not_listed');
  const customerRef = customerRefOf(charge);
  const operations: PlannedOperation[] = [];
  for (const refund of refunds) {
    const planned = refundReceiptOperation(context, refund, customerRef);
    if (!isOperation(planned)) {
      if (planned.parked !== undefined) return planned;
      continue;
    }
    operations.push(planned);
  }
  return operations.length === 0 ? skip('zero_amount') : finishPlan(context, operations);
}

/**
 * Disputes move money inside the Stripe balance (the disputed amount and the dispute fee, and back if won). The
 * payout's balance transactions carry every one of those movements to the disputes and fees accounts, so posting
 * the dispute event as well would count it twice.
 */
export function planDispute(_context: PlanContext, _dispute: StripeRecord): Plan {
  return skip('handled_by_payout');
}
