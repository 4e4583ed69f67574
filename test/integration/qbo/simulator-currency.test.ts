import { DEMO_ACCOUNT_IDS, DEMO_COMPANY, DEMO_ITEM_IDS } from '../../../dev/qbo-simulator/server';
import type { CompanySettings } from '../../../dev/qbo-simulator/company';
import type { QboValidationError } from '../../../shared/qbo/faults';
import { startHarness } from './harness';
import type { Harness } from './harness';

/**
 * Multicurrency (dev/qbo-simulator/currency.ts names the sources): one currency per transaction, its customer's;
 * balance-sheet accounts in the home currency or the transaction's; ExchangeRate and HomeTotalAmt on foreign
 * transactions; nothing foreign at all without multicurrency.
 */
describe('QBO simulator: currencies', () => {
  let h: Harness;
  let seq = 0;
  const rid = () => `cur-${++seq}`;
  afterEach(async () => {
    await h.simulator.close();
  });

  const start = async (settings: Partial<CompanySettings>) => {
    h = await startHarness();
    h.simulator.seedCompany(h.realmId, { ...DEMO_COMPANY, settings });
  };
  const customer = async (name: string, currency?: string) =>
    String(
      (
        await h.client.create(
          'Customer',
          { DisplayName: name, ...(currency ? { CurrencyRef: { value: currency } } : {}) },
          { requestId: rid() },
        )
      ).Id,
    );
  const line = (amount: number) => ({
    Amount: amount,
    DetailType: 'SalesItemLineDetail',
    SalesItemLineDetail: { ItemRef: { value: DEMO_ITEM_IDS.services } },
  });
  const faultOf = async (promise: Promise<unknown>) => {
    const error = (await promise.then(
      () => undefined,
      (e: unknown) => e,
    )) as QboValidationError | undefined;
    return error?.fault?.errors[0];
  };

  it('a single-currency company refuses any other currency and puts no exchange fields on transactions', async () => {
    await start({ multicurrency: false });
    const id = await customer('Home Co');
    expect(
      await faultOf(
        h.client.create(
          'Invoice',
          { CustomerRef: { value: id }, Line: [line(10)], CurrencyRef: { value: 'EUR' } },
          { requestId: rid() },
        ),
      ),
    ).toMatchObject({ code: '6000' });
    expect(await faultOf(customer('Euro Co', 'EUR'))).toMatchObject({ code: '6000' });
    const home = await h.client.create(
      'Invoice',
      { CustomerRef: { value: id }, Line: [line(10)] },
      { requestId: rid() },
    );
    expect(home.CurrencyRef).toEqual({ value: 'USD', name: 'United States Dollar' });
    expect(home).not.toHaveProperty('ExchangeRate');
    expect(home).not.toHaveProperty('HomeTotalAmt');
  });

  it('a foreign invoice carries ExchangeRate (sent, else the company table) and HomeTotalAmt', async () => {
    await start({ multicurrency: true, exchangeRates: { EUR: 1.1 } });
    const euro = await customer('Euro Co', 'EUR');
    // No CurrencyRef sent: the invoice is in its customer's currency.
    const byTable = await h.client.create(
      'Invoice',
      { CustomerRef: { value: euro }, Line: [line(100)] },
      { requestId: rid() },
    );
    expect(byTable).toMatchObject({
      CurrencyRef: { value: 'EUR', name: 'Euro' },
      ExchangeRate: 1.1,
      TotalAmt: 100,
      HomeTotalAmt: 110,
    });
    const sent = await h.client.create(
      'Invoice',
      { CustomerRef: { value: euro }, Line: [line(33.33)], CurrencyRef: { value: 'EUR' }, ExchangeRate: 1.23456 },
      { requestId: rid() },
    );
    expect(sent).toMatchObject({ ExchangeRate: 1.23456, HomeTotalAmt: 41.15 });
    const home = await h.client.create(
      'Invoice',
      { CustomerRef: { value: await customer('Home Co') }, Line: [line(10)] },
      { requestId: rid() },
    );
    expect(home).toMatchObject({ CurrencyRef: { value: 'USD' }, ExchangeRate: 1 });
    expect(home).not.toHaveProperty('HomeTotalAmt');
  });

  it("a transaction in another currency than its customer's is refused", async () => {
    await start({ multicurrency: true });
    const home = await customer('Home Co');
    const fault = await faultOf(
      h.client.create(
        'Invoice',
        { CustomerRef: { value: home }, Line: [line(10)], CurrencyRef: { value: 'EUR' } },
        { requestId: rid() },
      ),
    );
    expect(fault).toMatchObject({
      code: '6000',
      detail: 'Business Validation Error: Transactions can have only one foreign currency at a time',
    });
  });

  it('money lands only in an account of the home currency or the transaction currency', async () => {
    await start({ multicurrency: true });
    const gbp = await customer('Pound Co', 'GBP');
    const euroBank = await h.client.create(
      'Account',
      { Name: 'Stripe EUR', AccountType: 'Bank', CurrencyRef: { value: 'EUR' } },
      { requestId: rid() },
    );
    const receipt = (depositTo: string) =>
      h.client.create(
        'SalesReceipt',
        { CustomerRef: { value: gbp }, Line: [line(20)], DepositToAccountRef: { value: depositTo } },
        { requestId: rid() },
      );
    expect(await faultOf(receipt(String(euroBank.Id)))).toMatchObject({
      code: '6000',
      detail:
        'Business Validation Error: The currency of the account must be either in home currency or the transaction currency.',
    });
    expect((await receipt(DEMO_ACCOUNT_IDS.stripeClearing)).CurrencyRef).toMatchObject({ value: 'GBP' });
  });

  it('a payment is in the currency of what it pays; income accounts stay in the home currency', async () => {
    await start({ multicurrency: true });
    const euro = await customer('Euro Co', 'EUR');
    const invoice = await h.client.create(
      'Invoice',
      { CustomerRef: { value: euro }, Line: [line(50)] },
      { requestId: rid() },
    );
    const payment = await h.client.create(
      'Payment',
      {
        CustomerRef: { value: euro },
        TotalAmt: 50,
        DepositToAccountRef: { value: DEMO_ACCOUNT_IDS.stripeClearing },
        Line: [{ Amount: 50, LinkedTxn: [{ TxnId: String(invoice.Id), TxnType: 'Invoice' }] }],
      },
      { requestId: rid() },
    );
    expect(payment).toMatchObject({ CurrencyRef: { value: 'EUR' }, HomeTotalAmt: 55 });
    expect(
      await faultOf(
        h.client.create(
          'Account',
          { Name: 'Euro sales', AccountType: 'Income', CurrencyRef: { value: 'EUR' } },
          { requestId: rid() },
        ),
      ),
    ).toMatchObject({ code: '6000' });
  });
});
