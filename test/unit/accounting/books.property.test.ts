import fc from 'fast-check';
import { compareBooks, history, type History } from '../../support/books/books-harness';

/**
 * The invariant behind DESIGN section 6, as a property: any Stripe history, run event by event (in any order)
 * through the recipes into a double-entry model of QBO, leaves books that agree with Stripe. Every journal
 * balances; clearing nets to zero once everything is paid out; revenue, tax, fees, disputes and the other balance
 * movements equal Stripe's to the cent; A/R per customer equals Stripe's open invoices less the customer's credit.
 * BOOKS_PROPERTY_RUNS raises the number of histories (CI runs the default, a few seconds).
 */
const EVERY_ACCOUNT_SQUARE = {
  clearing: 0,
  bank: 0,
  fees: 0,
  disputes: 0,
  reserves: 0,
  platformEarnings: 0,
  connectTransfers: 0,
  contributions: 0,
  adjustments: 0,
};

function assertBooksAgree(h: History): void {
  const result = compareBooks(h);
  expect(result.problems).toEqual({ parked: [], rejected: [], violations: [], waiting: [], clearingAtPayouts: [] });
  if (h.mode === 'payout_summary') {
    expect(result.accounts).toEqual({ ...EVERY_ACCOUNT_SQUARE, income: 0, refunds: 0 });
    return;
  }
  expect(result.accounts).toEqual(EVERY_ACCOUNT_SQUARE);
  expect(result.revenue?.books).toEqual(result.revenue?.stripe);
  expect(result.tax?.books).toEqual(result.tax?.stripe);
  expect(result.receivables?.books).toEqual(result.receivables?.stripe);
  expect(result.openInvoices?.books).toEqual(result.openInvoices?.stripe);
  expect(result.credits?.books).toEqual(result.credits?.stripe);
}

describe('books property: Stripe histories through the recipes into a double-entry model of QBO', () => {
  it('agree with Stripe to the cent, whatever the history and the order of its events', () => {
    fc.assert(
      fc.property(history, (h) => assertBooksAgree(h)),
      { numRuns: Number(process.env.BOOKS_PROPERTY_RUNS ?? 150) },
    );
  });

  it('a payout that fails before it is paid, its late payout.paid, and the payout that returns its money', () => {
    assertBooksAgree({
      actions: [
        { kind: 'charge', customer: 0, amount: 10_000, capture: 'auto' },
        { kind: 'dispute', payment: 0, won: false },
        { kind: 'charge', customer: 1, amount: 30_000, capture: 'auto' },
        { kind: 'payout', outcome: 'failed_after' },
      ],
      mode: 'invoices',
      multicurrency: false,
      eurRate: 1.0935,
      taxRatePct: 20,
      regime: 'us',
      mapRate: false,
      shuffle: 7,
    });
  });
});
