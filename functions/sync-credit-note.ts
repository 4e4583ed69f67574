import { http } from '@google-cloud/functions-framework';
import { lazyHandler } from '../shared/runtime/lazy-handler';
import { buildConsumerFunction } from '../shared/runtime/consumer-function';

/** sync-credit-note: pushed by its subscription on the stripe-credit-notes topic; writes CreditMemos, or RefundReceipts when a credit note returns money into QBO, each exactly once. */
http(
  'syncCreditNote',
  lazyHandler(() => buildConsumerFunction('credit_note')),
);
