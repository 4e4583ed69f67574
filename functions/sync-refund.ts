import { http } from '@google-cloud/functions-framework';
import { deployedFunctions } from '../shared/runtime/compose';
import { lazyHandler } from '../shared/runtime/lazy-handler';

/** sync-refund: pushed by its subscription on the stripe-refunds topic; writes RefundReceipts into QBO, each exactly once. */
http(
  'syncRefund',
  lazyHandler(() => deployedFunctions.consumer('refund')),
);
