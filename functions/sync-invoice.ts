import { http } from '@google-cloud/functions-framework';
import { deployedFunctions } from '../shared/runtime/compose';
import { lazyHandler } from '../shared/runtime/lazy-handler';

/** sync-invoice: pushed by its subscription on the stripe-invoices topic; writes Invoices, and voids them into QBO, each exactly once. */
http(
  'syncInvoice',
  lazyHandler(() => deployedFunctions.consumer('invoice')),
);
