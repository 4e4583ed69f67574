import { csvCell, csvLine } from '../../../shared/console/csv';
import { qboAppUrl, stripeDashboardUrl } from '../../../shared/console/links';
import { reasonHelp } from '../../../shared/console/reasons';

describe('links to Stripe and QBO', () => {
  it.each([
    ['cus_1', false, null, 'https://dashboard.stripe.com/test/customers/cus_1'],
    ['in_1', true, null, 'https://dashboard.stripe.com/invoices/in_1'],
    ['pi_1', false, null, 'https://dashboard.stripe.com/test/payments/pi_1'],
    ['re_1', false, null, 'https://dashboard.stripe.com/test/refunds/re_1'],
    ['po_1', true, 'acct_9', 'https://dashboard.stripe.com/acct_9/payouts/po_1'],
    ['weird id', false, null, 'https://dashboard.stripe.com/test/search?query=weird%20id'],
  ])('%s (live %s, account %s) → %s', (id, livemode, account, url) => {
    expect(stripeDashboardUrl(id, { livemode, stripeAccount: account })).toBe(url);
  });

  it('opens QBO transactions by txnId and customers by nameId, in the sandbox or production app', () => {
    expect(qboAppUrl('Invoice', '12', 'sandbox')).toBe('https://app.sandbox.qbo.intuit.com/app/invoice?txnId=12');
    expect(qboAppUrl('Payment', '13', 'production')).toBe('https://app.qbo.intuit.com/app/recvpayment?txnId=13');
    expect(qboAppUrl('Customer', '7', 'sandbox')).toBe(
      'https://app.sandbox.qbo.intuit.com/app/customerdetail?nameId=7',
    );
    expect(qboAppUrl('Item', '7', 'sandbox')).toBeUndefined();
  });
});

describe('CSV', () => {
  it('quotes what needs quoting and keeps numbers, negative amounts included', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', null, 12, '-12.50', 'line\nbreak'])).toBe(
      'a,"b,c","say ""hi""",,12,-12.50,"line\nbreak"\r\n',
    );
  });

  it.each(['=HYPERLINK("x")', '+1+2', '@SUM(A1)', '-cmd', '\tx'])('defuses the formula %j', (value) => {
    expect(csvCell(value).replace(/^"/, '')).toMatch(/^'/);
  });
});

describe('reasons in plain words', () => {
  it('explains known reasons, QBO faults by code, and anything else by its name', () => {
    expect(reasonHelp('settings_incomplete').title).toMatch(/no account or item mapped/);
    expect(reasonHelp('qbo_6140').title).toMatch(/already has a document with this number/);
    expect(reasonHelp('qbo_9999').title).toBe('QBO refused the write (fault 9999)');
    expect(reasonHelp('something_new')).toEqual(expect.objectContaining({ title: 'Parked: something new' }));
  });
});
