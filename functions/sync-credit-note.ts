import { http } from '@google-cloud/functions-framework';
import { deployedFunctions } from '../shared/runtime/compose';
import { lazyHandler } from '../shared/runtime/lazy-handler';

/** sync-credit-note: pushed by its subscription on the stripe-credit-notes topic; writes CreditMemos, or RefundReceipts when a credit note returns money into QBO, each exactly once. */
http(
  'syncCreditNote',
  lazyHandler(() => deployedFunctions.consumer('credit_note')),
);
