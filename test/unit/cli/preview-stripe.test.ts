import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plan } from '../../../shared/accounting/plan';
import { runPreview } from '../../../shared/cli/commands/preview';
import { buildInvoice, fixture, FIXTURES } from '../accounting/factories';

type Fields = Record<string, unknown>;
type EventFile = { data: { object: Fields } } & Fields;

const dir = mkdtempSync(join(tmpdir(), 'preview-stripe-'));
/** Writes `value` as a JSON file for the command to read, as a person would hand it files. */
function file(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

async function preview(argv: string[]): Promise<{ code: number; plan: Plan | undefined; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runPreview(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    readFile: (path) => readFile(path, 'utf8'),
  });
  return { code, plan: stdout === '' ? undefined : (JSON.parse(stdout) as Plan), stderr };
}

const steps = (plan: Plan | undefined) => plan?.operations.map((o) => [o.entity, o.stripeId, o.expectedTotal]);
const tenant = join(FIXTURES, 'tenant-acme.json');
const withEvent = (type: string, object: Fields): EventFile => ({
  ...fixture<EventFile>('event-invoice.finalized.json'),
  id: `evt_${String(object.id)}`,
  type,
  data: { object },
});

describe('stripe-qbo preview --stripe: the plan of a flow that needs Stripe data, from files', () => {
  it('a failed payout is booked from its balance transactions, then reversed', async () => {
    const argv = ['--tenant', join(FIXTURES, 'tenant-brl.json'), join(FIXTURES, 'event-payout.failed.json')];
    const transactions = join(FIXTURES, 'composed-balance-transactions-po_1CgNDoAcSPl6ox0ljXdVYWx3.json');
    const booked = await preview(['--balance-transactions', transactions, ...argv]);
    expect(booked.code).toBe(0);
    expect(steps(booked.plan)).toEqual([
      ['Deposit', 'po_1CgNDoAcSPl6ox0ljXdVYWx3', '74.09'],
      ['JournalEntry', 'po_1CgNDoAcSPl6ox0ljXdVYWx3/failed', '74.09'],
    ]);
    expect((await preview(argv)).plan?.parked?.reason).toBe('balance_transactions_required');
  });

  /** A 150.00 invoice of which 50.00 came from the customer's credit balance, which a credit note put there. */
  const usedCredit = buildInvoice({
    id: 'in_credit',
    lineSpecs: [{ amount: 15000 }],
    starting_balance: -5000,
    ending_balance: 0,
  });
  const balanceHistory = {
    object: 'list',
    has_more: false,
    data: [
      { id: 'cbtxn_2', amount: 5000, type: 'applied_to_invoice', invoice: 'in_credit', created: 1748779200 },
      { id: 'cbtxn_1', amount: -5000, type: 'credit_note', credit_note: 'cn_1', created: 1748000000 },
    ],
  };

  it("an invoice paid from customer credit applies the credit note's memo, given the customer's balance history", async () => {
    const event = file('invoice-credit.json', withEvent('invoice.finalized', usedCredit));
    const given = await preview([
      '--tenant',
      tenant,
      '--stripe',
      file('stripe-credit.json', { customerBalanceTransactions: balanceHistory }),
      event,
    ]);
    expect(steps(given.plan)).toEqual([
      ['Invoice', 'in_credit', '150.00'],
      ['Payment', 'in_credit/credit', '0.00'],
    ]);
    expect(JSON.stringify(given.plan?.operations[1]?.body)).toContain('creditmemo:cn_1');
    expect((await preview(['--tenant', tenant, event])).plan?.parked?.reason).toBe(
      'customer_balance_transactions_required',
    );
  });

  const refund = fixture<EventFile>('event-refund.created.json');
  const refundId = String(refund.data.object.id);
  const note = {
    id: 'cn_refund',
    object: 'credit_note',
    type: 'post_payment',
    currency: 'usd',
    customer: 'cus_test1',
    invoice: 'in_test1',
    created: 1692942000,
    number: 'ACME-0001-CN-01',
    lines: {
      object: 'list',
      data: [{ amount: 800, quantity: 1, description: 'Seats', taxes: [{ amount: 200, tax_behavior: 'exclusive' }] }],
      has_more: false,
    },
    total_taxes: [{ amount: 200, tax_behavior: 'exclusive' }],
    total: 1000,
    pre_payment_amount: 0,
    post_payment_amount: 1000,
    refunds: [{ refund: refundId, amount_refunded: 1000, type: 'refund' }],
  };

  it("a credit note's refund is booked with the note's lines and tax; without the answer it parks", async () => {
    const event = join(FIXTURES, 'event-refund.created.json');
    const fromNote = await preview([
      '--tenant',
      tenant,
      '--stripe',
      file('stripe-refund.json', { creditNoteOfRefund: { [refundId]: note } }),
      event,
    ]);
    expect(steps(fromNote.plan)).toEqual([['RefundReceipt', refundId, '10.00']]);
    expect(fromNote.plan?.operations[0]?.body.CustomerRef).toEqual({ $ref: 'customer:cus_test1' });
    const unanswered = await preview(['--tenant', tenant, '--stripe', file('stripe-empty.json', {}), event]);
    expect(unanswered.plan?.parked?.reason).toBe('credit_note_lookup_required');
  });

  it("a foreign invoice payment carries Stripe's rate and books the exchange difference", async () => {
    const acme = JSON.parse(await readFile(tenant, 'utf8')) as Fields;
    const multicurrency = file('tenant-multicurrency.json', {
      ...acme,
      qbo: { ...(acme.qbo as Fields), multicurrency: true },
      accounts: { ...(acme.accounts as Fields), fxGainLoss: '97' },
    });
    const paid = fixture<EventFile>('event-invoice_payment.paid.json');
    const payment: Fields = { ...paid.data.object, currency: 'eur', amount_paid: 3333 };
    const intent = String((payment.payment as Fields).payment_intent);
    const stripe = file('stripe-fx.json', {
      invoice: buildInvoice({ id: payment.invoice, currency: 'eur', lineSpecs: [{ amount: 3333 }] }),
      balanceTransactionOf: {
        [intent]: { id: 'txn_fx', object: 'balance_transaction', amount: 3644, currency: 'usd', exchange_rate: 1.0935 },
      },
    });
    const result = await preview([
      '--tenant',
      multicurrency,
      '--stripe',
      stripe,
      file('event-fx.json', { ...paid, data: { object: payment } }),
    ]);
    expect(steps(result.plan)).toEqual([
      ['Payment', intent, '33.33'],
      ['JournalEntry', `${intent}/fx`, '0.01'],
    ]);
    expect(result.plan?.operations[0]?.body).toMatchObject({ CurrencyRef: { value: 'EUR' }, ExchangeRate: 1.0935 });
  });

  it('refuses a --stripe file with a field the planner does not know, by name', async () => {
    const result = await preview([
      '--tenant',
      tenant,
      '--stripe',
      file('stripe-typo.json', { creditNoteOfRefunds: {} }),
      join(FIXTURES, 'event-refund.created.json'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown field(s) creditNoteOfRefunds');
    expect(result.plan).toBeUndefined();
  });

  it('refuses a map whose values are not Stripe objects', async () => {
    const result = await preview([
      '--tenant',
      tenant,
      '--stripe',
      file('stripe-bad-map.json', { balanceTransactionOf: { pi_1: 'txn_1' } }),
      join(FIXTURES, 'event-refund.created.json'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('balanceTransactionOf must map Stripe ids to objects');
  });
});
