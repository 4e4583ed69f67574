import { http } from '@google-cloud/functions-framework';
import { lazyHandler } from '../shared/runtime/lazy-handler';
import { buildConsumerFunction } from '../shared/runtime/consumer-function';

/** sync-payment: pushed by its subscription on the stripe-payments topic; writes Payments applied to invoices, and SalesReceipts for charges without an invoice into QBO, each exactly once. */
http(
  'syncPayment',
  lazyHandler(() => buildConsumerFunction('payment')),
);
