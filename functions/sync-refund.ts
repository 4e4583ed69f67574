import { http } from '@google-cloud/functions-framework';
import { lazyHandler } from '../shared/runtime/lazy-handler';
import { buildConsumerFunction } from '../shared/runtime/consumer-function';

/** sync-refund: pushed by its subscription on the stripe-refunds topic; writes RefundReceipts into QBO, each exactly once. */
http(
  'syncRefund',
  lazyHandler(() => buildConsumerFunction('refund')),
);
