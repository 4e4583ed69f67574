import { DEMO_ACCOUNT_IDS, DEMO_ITEM_IDS } from '../../../dev/qbo-simulator/server';
import { qboFixture, shapeOf } from './fixtures';
import { startHarness } from './harness';
import type { Harness } from './harness';

const line = (amount: number, itemId: string = DEMO_ITEM_IDS.services) => ({
  Amount: amount,
  DetailType: 'SalesItemLineDetail',
  SalesItemLineDetail: { ItemRef: { value: itemId } },
});

describe('QBO simulator: transactions and the rules QBO enforces', () => {
  let h: Harness;
  let customerId: string;
  let seq = 0;
  const rid = () => `req-${++seq}`;
  beforeEach(async () => {
    h = await startHarness();
    customerId = String(
      (await h.client.create('Customer', { DisplayName: "Amy's Bird Sanctuary" }, { requestId: rid() })).Id,
    );
  });
  afterEach(async () => {
    await h.simulator.close();
  });

  const invoice = (amounts: number[], extra: Record<string, unknown> = {}) =>
    h.client.create(
      'Invoice',
      { CustomerRef: { value: customerId }, Line: amounts.map((a) => line(a)), ...extra },
      { requestId: rid() },
    );

  it('an invoice gets the real response shape: DocNumber, SubTotalLine, TotalAmt, Balance, DueDate', async () => {
    const created = await invoice([100]);
    const real = qboFixture('invoice-create-response.json').Invoice as Record<string, unknown>;
    const missing = Object.keys(real).filter(
      (k) =>
        !(k in created) &&
        ![
          'AllowIPNPayment',
          'AllowOnlinePayment',
          'AllowOnlineCreditCardPayment',
          'AllowOnlineACHPayment',
          'CustomField',
          'BillAddr',
          'ShipAddr',
        ].includes(k),
    );
    expect(missing).toEqual([]);
    expect(created).toMatchObject({ TotalAmt: 100, Balance: 100, SyncToken: '0', DocNumber: '1001' });
    expect(created.CustomerRef).toEqual({ value: customerId, name: "Amy's Bird Sanctuary" });
    expect((created.Line as unknown[])[1]).toEqual(real.Line && (real.Line as unknown[])[1]);
    expect(shapeOf((created.Line as unknown[])[0])).toEqual(shapeOf((real.Line as unknown[])[0]));
  });

  it('computes discounts and tax into TotalAmt like the sales receipt fixture', async () => {
    const receipt = await h.client.create(
      'SalesReceipt',
      {
        CustomerRef: { value: customerId },
        Line: [
          {
            Amount: 87.5,
            DetailType: 'SalesItemLineDetail',
            SalesItemLineDetail: { ItemRef: { value: '1' }, UnitPrice: 35, Qty: 2.5 },
          },
          {
            DetailType: 'DiscountLineDetail',
            DiscountLineDetail: {
              PercentBased: true,
              DiscountPercent: 10,
              DiscountAccountRef: { value: DEMO_ACCOUNT_IDS.discounts },
            },
          },
        ],
      },
      { requestId: rid() },
    );
    const real = qboFixture('salesreceipt-discount-entity.json');
    expect(receipt.TotalAmt).toBe(real.TotalAmt);
    expect((receipt.Line as Array<{ DetailType: string }>).map((l) => l.DetailType)).toEqual(
      (real.Line as Array<{ DetailType: string }>).map((l) => l.DetailType),
    );
    expect(receipt.DepositToAccountRef).toMatchObject({ value: DEMO_ACCOUNT_IDS.undepositedFunds });
  });

  it('a payment reduces the invoice balance and links both ways; a deposit links the payment', async () => {
    const inv = await invoice([459]);
    const payment = await h.client.create(
      'Payment',
      {
        CustomerRef: { value: customerId },
        TotalAmt: 220,
        Line: [{ Amount: 220, LinkedTxn: [{ TxnId: inv.Id, TxnType: 'Invoice' }] }],
      },
      { requestId: rid() },
    );
    expect(payment).toMatchObject({ TotalAmt: 220, UnappliedAmt: 0 });
    const after = await h.client.read('Invoice', String(inv.Id));
    expect(after).toMatchObject({
      Balance: 239,
      TotalAmt: 459,
      SyncToken: '1',
      LinkedTxn: [{ TxnId: payment.Id, TxnType: 'Payment' }],
    });
    const deposit = await h.client.create(
      'Deposit',
      {
        DepositToAccountRef: { value: DEMO_ACCOUNT_IDS.checking },
        Line: [
          { Amount: 220, LinkedTxn: [{ TxnId: payment.Id, TxnType: 'Payment', TxnLineId: '0' }] },
          {
            Amount: -6.68,
            DetailType: 'DepositLineDetail',
            DepositLineDetail: { AccountRef: { value: DEMO_ACCOUNT_IDS.stripeFees } },
          },
        ],
      },
      { requestId: rid() },
    );
    expect(deposit.TotalAmt).toBe(213.32);
    expect(await h.client.read('Payment', String(payment.Id))).toMatchObject({
      LinkedTxn: [{ TxnId: deposit.Id, TxnType: 'Deposit' }],
    });
    const realDeposit = qboFixture('deposit-linked-payments-entity.json');
    expect(Object.keys(realDeposit).filter((k) => !(k in deposit) && k !== 'CashBack')).toEqual([]);
    // A deposited payment cannot be deposited again or deleted.
    await expect(
      h.client.create(
        'Deposit',
        {
          DepositToAccountRef: { value: DEMO_ACCOUNT_IDS.checking },
          Line: [{ Amount: 220, LinkedTxn: [{ TxnId: payment.Id, TxnType: 'Payment' }] }],
        },
        { requestId: rid() },
      ),
    ).rejects.toMatchObject({ code: 'qbo_6000' });
  });

  it('voiding a payment (operation=update&include=void) gives the invoice its balance back', async () => {
    const inv = await invoice([100]);
    const payment = await h.client.create(
      'Payment',
      {
        CustomerRef: { value: customerId },
        TotalAmt: 100,
        Line: [{ Amount: 100, LinkedTxn: [{ TxnId: inv.Id, TxnType: 'Invoice' }] }],
      },
      { requestId: rid() },
    );
    expect(await h.client.read('Invoice', inv.Id)).toMatchObject({ Balance: 0 });
    const voided = await h.client.voidTxn('Payment', payment, { requestId: rid() });
    expect(voided).toMatchObject({ TotalAmt: 0, PrivateNote: 'Voided' });
    expect(await h.client.read('Invoice', inv.Id)).toMatchObject({ Balance: 100, LinkedTxn: [] });
    // QBO refuses `operation=void` on a payment.
    const token = await h.tokens.getAccessToken();
    const raw = await fetch(`${h.simulator.url}/v3/company/${h.realmId}/payment?operation=void`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ Id: payment.Id, SyncToken: voided.SyncToken }),
    });
    expect(raw.status).toBe(400);
  });

  it('a deposit must name DepositToAccountRef (2020) and existing accounts (2500)', async () => {
    const lines = [
      {
        Amount: 10,
        DetailType: 'DepositLineDetail',
        DepositLineDetail: { AccountRef: { value: DEMO_ACCOUNT_IDS.sales } },
      },
    ];
    await expect(h.client.create('Deposit', { Line: lines }, { requestId: rid() })).rejects.toMatchObject({
      code: 'qbo_2020',
      failureClass: 'rejected',
    });
    await expect(
      h.client.create('Deposit', { DepositToAccountRef: { value: '9999' }, Line: lines }, { requestId: rid() }),
    ).rejects.toMatchObject({ code: 'qbo_2500' });
  });

  it('references must exist: unknown customer or item is 2500; a missing object is 610', async () => {
    await expect(
      h.client.create('Invoice', { CustomerRef: { value: '9999' }, Line: [line(1)] }, { requestId: rid() }),
    ).rejects.toMatchObject({ code: 'qbo_2500' });
    await expect(invoice([1], { Line: [line(1, '9999')] })).rejects.toMatchObject({ code: 'qbo_2500' });
    await expect(h.client.read('Invoice', '9999')).rejects.toMatchObject({ code: 'qbo_610', failureClass: 'rejected' });
  });

  it('DocNumber must be unique per entity when the company setting is on (6140), not when it is off', async () => {
    await invoice([5], { DocNumber: 'in_1MtH' });
    const error = await invoice([5], { DocNumber: 'in_1MtH' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'qbo_6140', lookUp: true });
    const relaxed = await startHarness();
    try {
      relaxed.simulator.seedCompany(relaxed.realmId, {
        settings: { uniqueDocNumbers: false },
        entities: { Item: [{ Id: '1', Name: 'Services', Type: 'Service' }] },
      });
      const c = await relaxed.client.create('Customer', { DisplayName: 'X' }, { requestId: 'x' });
      const body = { CustomerRef: { value: c.Id }, DocNumber: 'D1', Line: [line(1)] };
      await relaxed.client.create('Invoice', body, { requestId: 'i1' });
      await expect(relaxed.client.create('Invoice', body, { requestId: 'i2' })).resolves.toMatchObject({
        DocNumber: 'D1',
      });
    } finally {
      await relaxed.simulator.close();
    }
  });

  it('a journal entry must balance (6000); a balanced one numbers its lines from 0', async () => {
    const je = (credit: number) => ({
      Line: [
        {
          Amount: 100,
          DetailType: 'JournalEntryLineDetail',
          JournalEntryLineDetail: { PostingType: 'Debit', AccountRef: { value: DEMO_ACCOUNT_IDS.stripeClearing } },
        },
        {
          Amount: credit,
          DetailType: 'JournalEntryLineDetail',
          JournalEntryLineDetail: { PostingType: 'Credit', AccountRef: { value: DEMO_ACCOUNT_IDS.sales } },
        },
      ],
    });
    await expect(h.client.create('JournalEntry', je(99.99), { requestId: rid() })).rejects.toMatchObject({
      code: 'qbo_6000',
    });
    const created = await h.client.create(
      'JournalEntry',
      { ...je(100), PrivateNote: 'stripe:po_1' },
      { requestId: rid() },
    );
    expect((created.Line as Array<{ Id: string }>).map((l) => l.Id)).toEqual(['0', '1']);
    expect(Object.keys(qboFixture('journalentry-entity.json')).filter((k) => !(k in created))).toEqual([]);
  });

  it('void zeroes an invoice like the real void response; delete answers status Deleted', async () => {
    const inv = await invoice([100]);
    const voided = await h.client.voidTxn(
      'Invoice',
      { Id: String(inv.Id), SyncToken: String(inv.SyncToken) },
      { requestId: rid() },
    );
    expect(voided).toMatchObject({ TotalAmt: 0, Balance: 0, PrivateNote: 'Voided', SyncToken: '1' });
    const other = await invoice([50]);
    const deleted = await h.client.delete('Invoice', { Id: String(other.Id), SyncToken: '0' }, { requestId: rid() });
    expect(shapeOf(deleted)).toEqual(shapeOf(qboFixture('invoice-delete-response.json').Invoice));
    await expect(h.client.read('Invoice', String(other.Id))).rejects.toMatchObject({ code: 'qbo_610' });
    await expect(h.client.voidTxn('Deposit', { Id: '1', SyncToken: '0' }, { requestId: rid() })).rejects.toMatchObject({
      code: 'qbo_500',
    });
  });

  it("a manual payout's Transfer goes through the client: clearing → bank, read back, deleted", async () => {
    const body = {
      FromAccountRef: { value: DEMO_ACCOUNT_IDS.stripeClearing },
      ToAccountRef: { value: DEMO_ACCOUNT_IDS.checking },
      Amount: 100,
      TxnDate: '2026-01-02',
      PrivateNote: 'stripe:po_manual',
    };
    const transfer = await h.client.create('Transfer', body, { requestId: rid() });
    expect(transfer).toMatchObject({ Amount: 100, SyncToken: '0', FromAccountRef: { name: 'Stripe Clearing' } });
    expect(await h.client.read('Transfer', String(transfer.Id))).toEqual(transfer);
    await expect(
      h.client.create('Transfer', { ...body, ToAccountRef: body.FromAccountRef }, { requestId: rid() }),
    ).rejects.toMatchObject({ code: 'qbo_6000' });
    await h.client.delete('Transfer', { Id: String(transfer.Id), SyncToken: '0' }, { requestId: rid() });
    await expect(h.client.read('Transfer', String(transfer.Id))).rejects.toMatchObject({ code: 'qbo_610' });
  });

  it('credit memos keep RemainingCredit; refund receipts must name the account refunded from', async () => {
    const memo = await h.client.create(
      'CreditMemo',
      { CustomerRef: { value: customerId }, Line: [line(100)] },
      { requestId: rid() },
    );
    expect(memo).toMatchObject({ TotalAmt: 100, RemainingCredit: 100, Balance: 100 });
    await expect(
      h.client.create('RefundReceipt', { CustomerRef: { value: customerId }, Line: [line(10)] }, { requestId: rid() }),
    ).rejects.toMatchObject({ code: 'qbo_2020' });
    const refund = await h.client.create(
      'RefundReceipt',
      {
        CustomerRef: { value: customerId },
        DepositToAccountRef: { value: DEMO_ACCOUNT_IDS.checking },
        Line: [line(10)],
      },
      { requestId: rid() },
    );
    expect(refund).toMatchObject({ TotalAmt: 10, Balance: 0 });
  });
});
