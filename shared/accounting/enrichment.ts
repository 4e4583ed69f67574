import type { StripeRecord } from './stripe-fields';

/**
 * Stripe data an event does not carry, read by the consumer's `enrich` stage before planning (DESIGN section 6).
 * The planner stays pure: it never reads Stripe, it is handed what it needs here.
 *
 * Two rules for every field:
 * - When the event itself shows that a recipe needs a field (an invoice whose `lines.has_more`, a payout that
 *   failed, a foreign-currency payment in a multicurrency company, an invoice that used the customer's credit
 *   balance), the recipe parks with a reason naming the read when the field is absent. It never guesses.
 * - When only the data can tell (does a credit note own this refund?), an absent field parks too, unless no enrich
 *   stage ran at all (`BuildPlanInput.stripe` undefined): then the recipe plans as it did before enrichment existed,
 *   so a consumer without the stage keeps working. `null` always means "enrich looked: there is none".
 *
 * The payout's balance transactions stay `BuildPlanInput.balanceTransactions` (the consumer already fills it).
 */
export interface StripeEnrichment {
  /**
   * invoice.finalized whose `lines.has_more` is true: every line of the invoice
   * (`GET /v1/invoices/:id/lines`, all pages). Without it the invoice parks `invoice_lines_incomplete`.
   */
  invoiceLines?: readonly unknown[];
  /**
   * credit_note.created (and the refund events of a credit-note refund) whose note's `lines.has_more` is true:
   * every line (`GET /v1/credit_notes/:id/lines`, all pages). Without it: `credit_note_lines_incomplete`.
   */
  creditNoteLines?: readonly unknown[];
  /**
   * Refund events (refund.*, charge.refund.updated): the refunded charge (`GET /v1/charges/:id`), for the
   * receipt's customer and to tell a released authorisation from a refund.
   */
  charge?: StripeRecord;
  /**
   * Refund events (and charge.refunded, per listed refund): the credit note that made each refund, keyed by refund
   * id, null when none did (`GET /v1/credit_notes?invoice=` of the charge's invoice, the note whose
   * `refunds[].refund` is the refund). A credit note's refund is booked with the note's lines and tax, whichever of
   * the two events arrives first; the credit note's own lines follow `creditNoteLines` when it has more than a
   * page. An enriched refund event without its entry parks `credit_note_lookup_required`.
   */
  creditNoteOfRefund?: Readonly<Record<string, StripeRecord | null>>;
  /**
   * invoice_payment.paid: its invoice (`GET /v1/invoices/:id`), so a Payment never links more than the invoice's
   * total. Refund events: the invoice the refunded charge paid (null: it paid none), for the refunded sale's item.
   */
  invoice?: StripeRecord | null;
  /**
   * Multicurrency companies, a payment or refund in a currency other than the home currency: the balance
   * transaction that settled it (`GET /v1/balance_transactions/:id` of the charge's or refund's
   * `balance_transaction`; a PaymentIntent's is its latest charge's), keyed by the Stripe id the plan books
   * (the PaymentIntent or charge id of a payment, the refund id). Its `exchange_rate` becomes QBO's ExchangeRate.
   * Refund failures: the refund's `failure_balance_transaction`, keyed `<refund id>/failed`.
   */
  balanceTransactionOf?: Readonly<Record<string, StripeRecord>>;
  /**
   * invoice.finalized of an invoice whose `starting_balance` is negative (customer credit applied): the customer's
   * balance transactions (`GET /v1/customers/:id/balance_transactions`, all pages), to find which credit notes
   * the applied credit came from.
   */
  customerBalanceTransactions?: readonly unknown[];
}
