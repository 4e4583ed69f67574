/**
 * Links from the console to the two systems a person checks: the Stripe dashboard (test or live mode, and a
 * connected account's view for Connect tenants) and the QBO transaction (sandbox or production). Ids only.
 */
const STRIPE_PATHS: Array<[RegExp, string]> = [
  [/^cus_/, 'customers'],
  [/^in_/, 'invoices'],
  [/^(ch|py|pi)_/, 'payments'],
  [/^inpay_/, 'invoices'],
  [/^re_/, 'refunds'],
  [/^cn_/, 'credit_notes'],
  [/^po_/, 'payouts'],
  [/^evt_/, 'events'],
];

export function stripeDashboardUrl(
  stripeId: string,
  options: { livemode: boolean; stripeAccount?: string | null },
): string {
  const base = `https://dashboard.stripe.com/${options.stripeAccount ? `${options.stripeAccount}/` : ''}${options.livemode ? '' : 'test/'}`;
  const path = STRIPE_PATHS.find(([pattern]) => pattern.test(stripeId))?.[1];
  return path
    ? `${base}${path}/${encodeURIComponent(stripeId)}`
    : `${base}search?query=${encodeURIComponent(stripeId)}`;
}

/** QBO's web app pages per entity: transactions open by txnId, a customer by nameId. */
const QBO_PAGES: Record<string, { page: string; key: 'txnId' | 'nameId' }> = {
  Invoice: { page: 'invoice', key: 'txnId' },
  Payment: { page: 'recvpayment', key: 'txnId' },
  SalesReceipt: { page: 'salesreceipt', key: 'txnId' },
  RefundReceipt: { page: 'refundreceipt', key: 'txnId' },
  CreditMemo: { page: 'creditmemo', key: 'txnId' },
  Deposit: { page: 'deposit', key: 'txnId' },
  JournalEntry: { page: 'journal', key: 'txnId' },
  Transfer: { page: 'transfer', key: 'txnId' },
  Customer: { page: 'customerdetail', key: 'nameId' },
};

export function qboAppUrl(qboEntity: string, qboId: string, environment: 'sandbox' | 'production'): string | undefined {
  const target = QBO_PAGES[qboEntity];
  if (!target) return undefined;
  const host = environment === 'sandbox' ? 'https://app.sandbox.qbo.intuit.com' : 'https://app.qbo.intuit.com';
  return `${host}/app/${target.page}?${target.key}=${encodeURIComponent(qboId)}`;
}
