import { http } from '@google-cloud/functions-framework';
import { lazyHandler } from '../shared/runtime/lazy-handler';
import { buildConsumerFunction } from '../shared/runtime/consumer-function';

/** sync-invoice: pushed by its subscription on the stripe-invoices topic; writes Invoices, and voids them into QBO, each exactly once. */
http(
  'syncInvoice',
  lazyHandler(() => buildConsumerFunction('invoice')),
);
