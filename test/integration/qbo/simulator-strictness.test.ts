import { DEMO_ACCOUNT_IDS, DEMO_COMPANY, DEMO_ITEM_IDS } from '../../../dev/qbo-simulator/server';
import { qboFixture, shapeOf } from './fixtures';
import { sparseUpdate, startHarness } from './harness';
import type { Harness } from './harness';

/**
 * The simulator refuses what QBO refuses. Each case names its source: an XSD element, a real fault capture in
 * test/fixtures/qbo, a recorded exchange (minimul/qbo_api spec/vcr), or Intuit's reference where no capture exists.
 */
describe('QBO simulator: as strict as QBO', () => {
  let h: Harness;
  let seq = 0;
  const rid = () => `strict-${++seq}`;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.simulator.close();
  });

  const post = async (entity: string, body: unknown, query = '') => {
    const token = await h.tokens.getAccessToken();
    const response = await fetch(`${h.simulator.url}/v3/company/${h.realmId}/${entity}?requestid=${rid()}${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const faultOf = (body: Record<string, unknown>) =>
    (body.Fault as { Error: Array<{ code: string; Detail: string; Message: string }> }).Error[0]!;
  const customer = async (name: string) =>
    String((await h.client.create('Customer', { DisplayName: name }, { requestId: rid() })).Id);
  const line = (amount: number, itemId: string = DEMO_ITEM_IDS.services) => ({
    Amount: amount,
    DetailType: 'SalesItemLineDetail',
    SalesItemLineDetail: { ItemRef: { value: itemId } },
  });

  describe('properties (Intuit XSD → schema/allowed-properties.json; fault: fault-unsupported-property.json)', () => {
    it('a Customer with PrivateNote is refused with the real 2010 body: Customer has Notes, not PrivateNote', async () => {
      const { status, body } = await post('customer', { DisplayName: 'Note Co', PrivateNote: 'stripe:cus_1' });
      expect(status).toBe(400);
      expect(shapeOf(body)).toEqual(shapeOf(qboFixture('fault-unsupported-property.json')));
      const error = faultOf(body);
      expect(error).toMatchObject({ code: '2010', Message: 'Request has invalid or unsupported property' });
      expect(error.Detail).toMatch(
        /^Property Name:Unrecognized field "PrivateNote" \(class com\.intuit\.schema\.finance\.v3\.Customer\), not marked as ignorable \(\d+ known properties: "Id", .* \[truncated\]\]\)\n specified is unsupported or invalid$/s,
      );
      expect(h.simulator.entities(h.realmId, 'Customer')).toEqual([]);
      const created = await post('customer', { DisplayName: 'Note Co', Notes: 'stripe:cus_1' });
      expect(created.status).toBe(200);
    });

    it('an unknown property inside a line names the line class (Finance.xsd Line)', async () => {
      const id = await customer('Line Co');
      const { status, body } = await post('invoice', {
        CustomerRef: { value: id },
        Line: [{ ...line(10), Memo: 'not a Line property' }],
      });
      expect(status).toBe(400);
      expect(faultOf(body).Detail).toContain('Unrecognized field "Memo" (class com.intuit.schema.finance.v3.Line)');
    });

    it('a value outside an XSD enumeration is refused (AccountTypeEnum)', async () => {
      const { status, body } = await post('account', { Name: 'Odd', AccountType: 'Piggy Bank' });
      expect(status).toBe(400);
      expect(faultOf(body)).toMatchObject({ code: '2010' });
      expect(faultOf(body).Detail).toContain('AccountTypeEnum');
    });

    it.each([
      ['invoice', { Line: [] }, 'CustomerRef'],
      [
        'transfer',
        { FromAccountRef: { value: DEMO_ACCOUNT_IDS.stripeClearing }, ToAccountRef: { value: '35' } },
        'Amount',
      ],
      ['deposit', { Line: [] }, 'DepositToAccountRef'],
      ['payment', { TotalAmt: 5 }, 'CustomerRef'],
    ])('a %s without a required field is 2020 naming it (schema/required.ts)', async (entity, body, field) => {
      const answer = await post(entity, body);
      expect(answer.status).toBe(400);
      expect(faultOf(answer.body)).toMatchObject({ code: '2020', element: field });
    });
  });

  describe('references and account types', () => {
    it('an unknown reference is 2500; an inactive one is 610 with the text of the real 610 (batch-response.json)', async () => {
      const unknown = await post('invoice', { CustomerRef: { value: '999' }, Line: [line(1)] });
      expect(faultOf(unknown.body)).toMatchObject({ code: '2500' });
      const id = await customer('Gone Co');
      const current = await h.client.read('Customer', id);
      await sparseUpdate(
        h,
        'Customer',
        { Id: id, SyncToken: String(current.SyncToken), Active: false },
        { requestId: rid() },
      );
      const inactive = await post('invoice', { CustomerRef: { value: id }, Line: [line(1)] });
      const real = (qboFixture('batch-response.json').BatchItemResponse as Array<Record<string, unknown>>)[1]!;
      expect(inactive.status).toBe(400);
      expect(faultOf(inactive.body)).toEqual((real.Fault as { Error: unknown[] }).Error[0]);
    });

    it('DepositToAccountRef must be Bank or Other Current Asset on payments, receipts and deposits', async () => {
      const id = await customer('Account Co');
      const income = { value: DEMO_ACCOUNT_IDS.sales };
      for (const [entity, body] of [
        ['payment', { CustomerRef: { value: id }, TotalAmt: 1, DepositToAccountRef: income }],
        ['salesreceipt', { Line: [line(1)], DepositToAccountRef: income }],
        ['refundreceipt', { Line: [line(1)], DepositToAccountRef: income }],
        [
          'deposit',
          {
            DepositToAccountRef: income,
            Line: [{ Amount: 1, DetailType: 'DepositLineDetail', DepositLineDetail: { AccountRef: { value: '35' } } }],
          },
        ],
      ] as const) {
        const answer = await post(entity, body);
        expect(`${entity} ${answer.status}`).toBe(`${entity} 400`);
        expect(faultOf(answer.body)).toMatchObject({ Message: 'Invalid account type' });
      }
      const ok = await post('payment', {
        CustomerRef: { value: id },
        TotalAmt: 1,
        DepositToAccountRef: { value: DEMO_ACCOUNT_IDS.undepositedFunds },
      });
      expect(ok.status).toBe(200);
    });

    it('a deposit line may not post to Undeposited Funds (a payment is linked instead) nor to A/R', async () => {
      const deposit = (accountId: string) => ({
        DepositToAccountRef: { value: DEMO_ACCOUNT_IDS.checking },
        Line: [{ Amount: 5, DetailType: 'DepositLineDetail', DepositLineDetail: { AccountRef: { value: accountId } } }],
      });
      expect(faultOf((await post('deposit', deposit(DEMO_ACCOUNT_IDS.undepositedFunds))).body).Detail).toContain(
        'Select a bank account for this deposit',
      );
      expect(faultOf((await post('deposit', deposit(DEMO_ACCOUNT_IDS.accountsReceivable))).body)).toMatchObject({
        Message: 'Invalid account type',
      });
      expect((await post('deposit', deposit(DEMO_ACCOUNT_IDS.stripeClearing))).status).toBe(200);
    });
  });

  describe('name lists', () => {
    it('deactivating renames "<name> (deleted)", hides it from queries and frees the name (vcr deactivate/account.yml)', async () => {
      const id = await customer('Retired Co');
      const current = await h.client.read('Customer', id);
      const retired = await sparseUpdate(
        h,
        'Customer',
        { Id: id, SyncToken: String(current.SyncToken), Active: false },
        { requestId: rid() },
      );
      expect(retired).toMatchObject({ DisplayName: 'Retired Co (deleted)', Active: false });
      expect(await h.client.query("SELECT * FROM Customer WHERE DisplayName LIKE 'Retired%'")).toEqual([]);
      expect(
        await h.client.query("SELECT * FROM Customer WHERE DisplayName LIKE 'Retired%' AND Active IN (true, false)"),
      ).toHaveLength(1);
      await expect(customer('Retired Co')).resolves.toMatch(/^\d+$/);
    });
  });

  describe('voids (invoice-void-response.json; Intuit: "Voided" is prepended to PrivateNote)', () => {
    it('zeroes the amounts and keeps our marker after "Voided"', async () => {
      const id = await customer('Void Co');
      const invoice = await h.client.create(
        'Invoice',
        { CustomerRef: { value: id }, Line: [line(40)], PrivateNote: 'stripe:in_void' },
        { requestId: rid() },
      );
      const voided = await h.client.voidTxn(
        'Invoice',
        { Id: String(invoice.Id), SyncToken: String(invoice.SyncToken) },
        { requestId: rid() },
      );
      expect(voided).toMatchObject({ TotalAmt: 0, Balance: 0, PrivateNote: 'Voided stripe:in_void' });
    });
  });

  describe('requestid modes', () => {
    const create = (name: string, requestId: string, body: Record<string, unknown> = { DisplayName: name }) =>
      h.client.create('Customer', body, { requestId }).catch((e: unknown) => e);

    it('never (the default): a repeated requestid is executed again, so a repeated create is a 6240', async () => {
      await create('Twice Co', 'same');
      expect(await create('Twice Co', 'same')).toMatchObject({ code: 'qbo_6240' });
    });

    it('replay: a success is answered again; a failure is not remembered', async () => {
      h.simulator.setRequestIdMode('replay');
      const first = await create('Once Co', 'r1');
      expect(await create('Once Co', 'r1')).toEqual(first);
      expect(await create('x', 'r2', { DisplayName: 'Bad', PrivateNote: 'x' })).toMatchObject({ code: 'qbo_2010' });
      expect(await create('Fixed Co', 'r2')).toMatchObject({ DisplayName: 'Fixed Co' });
    });

    it('cache-failures: the first answer is replayed even when it was a failure and the retry is corrected', async () => {
      h.simulator.setRequestIdMode('cache-failures');
      expect(await create('x', 'c1', { DisplayName: 'Bad', PrivateNote: 'x' })).toMatchObject({ code: 'qbo_2010' });
      expect(await create('Fixed Co', 'c1')).toMatchObject({ code: 'qbo_2010' });
    });
  });

  describe('company modes (Preferences, CompanyInfo, tax)', () => {
    const seed = async (settings: Record<string, unknown>) => {
      h.simulator.seedCompany(h.realmId, { ...DEMO_COMPANY, settings });
      return customer('Mode Co');
    };

    it('serves Preferences and CompanyInfo from the seeded mode', async () => {
      await seed({ multicurrency: true, customTxnNumbers: false, country: 'GB', tax: 'vat', homeCurrency: 'GBP' });
      const token = await h.tokens.getAccessToken();
      const get = async (path: string) =>
        (await (
          await fetch(`${h.simulator.url}/v3/company/${h.realmId}/${path}`, {
            headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
          })
        ).json()) as Record<string, Record<string, unknown>>;
      expect((await get('preferences')).Preferences).toMatchObject({
        SalesFormsPrefs: { CustomTxnNumbers: false, AutoApplyCredit: true },
        CurrencyPrefs: { MultiCurrencyEnabled: true, HomeCurrency: { value: 'GBP' } },
      });
      expect((await get(`companyinfo/${h.realmId}`)).CompanyInfo).toMatchObject({ Country: 'GB' });
    });

    it('VAT/GST: a sales line without TaxCodeRef is a 6000; with a real tax code it posts', async () => {
      const id = await seed({ tax: 'vat', country: 'GB', homeCurrency: 'GBP' });
      const missing = await post('invoice', { CustomerRef: { value: id }, Line: [line(10)] });
      expect(faultOf(missing.body)).toMatchObject({ code: '6000' });
      const taxed = { ...line(10), SalesItemLineDetail: { ItemRef: { value: '1' }, TaxCodeRef: { value: '3' } } };
      expect((await post('invoice', { CustomerRef: { value: id }, Line: [taxed] })).status).toBe(200);
    });

    it('custom transaction numbers off: the DocNumber sent is ignored and QBO numbers the form', async () => {
      const id = await seed({ customTxnNumbers: false });
      const invoice = await h.client.create(
        'Invoice',
        { CustomerRef: { value: id }, Line: [line(1)], DocNumber: 'INV-42' },
        { requestId: rid() },
      );
      expect(invoice.DocNumber).not.toBe('INV-42');
      expect(invoice.DocNumber).toMatch(/^\d+$/);
    });

    it('multicurrency off: a foreign CurrencyRef is refused; on: it is kept', async () => {
      let id = await seed({ multicurrency: false });
      const refused = await post('invoice', {
        CustomerRef: { value: id },
        Line: [line(1)],
        CurrencyRef: { value: 'EUR' },
      });
      expect(faultOf(refused.body)).toMatchObject({ code: '6000' });
      await seed({ multicurrency: true });
      // The customer must be in the invoice's currency (simulator-currency.test.ts).
      id = String(
        (
          await h.client.create(
            'Customer',
            { DisplayName: 'Euro Co', CurrencyRef: { value: 'EUR' } },
            { requestId: rid() },
          )
        ).Id,
      );
      const kept = await post('invoice', {
        CustomerRef: { value: id },
        Line: [line(1)],
        CurrencyRef: { value: 'EUR' },
      });
      expect((kept.body.Invoice as Record<string, unknown>).CurrencyRef).toEqual({ value: 'EUR', name: 'Euro' });
    });
  });

  describe('Transfer (the planner posts manual payouts as one)', () => {
    it('moves money between two balance-sheet accounts; income accounts and equal accounts are refused', async () => {
      const transfer = (from: string, to: string, amount = 12.5) => ({
        FromAccountRef: { value: from },
        ToAccountRef: { value: to },
        Amount: amount,
        PrivateNote: 'stripe:po_manual',
      });
      const ok = await post('transfer', transfer(DEMO_ACCOUNT_IDS.stripeClearing, DEMO_ACCOUNT_IDS.checking));
      expect(ok.status).toBe(200);
      expect(ok.body.Transfer).toMatchObject({ Amount: 12.5, SyncToken: '0', PrivateNote: 'stripe:po_manual' });
      expect(faultOf((await post('transfer', transfer(DEMO_ACCOUNT_IDS.sales, '35'))).body)).toMatchObject({
        Message: 'Invalid account type',
      });
      expect(faultOf((await post('transfer', transfer('35', '35'))).body)).toMatchObject({ code: '6000' });
      expect(await h.client.query("SELECT * FROM Transfer WHERE TxnDate > '2000-01-01' ORDERBY Id")).toHaveLength(1);
    });
  });

  describe('authorization', () => {
    it('a valid token on a realm its grant does not cover is 403 ApplicationAuthorizationFailed (3100)', async () => {
      const other = h.simulator.issueTokens('123456789').access_token;
      const response = await fetch(`${h.simulator.url}/v3/company/${h.realmId}/customer/1`, {
        headers: { authorization: `Bearer ${other}`, accept: 'application/json' },
      });
      expect(response.status).toBe(403);
      const body = (await response.json()) as { fault: { error: Array<{ code: string }> } };
      expect(body.fault.error[0]?.code).toBe('3100');
    });
  });
});
