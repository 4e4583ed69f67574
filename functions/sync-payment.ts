import { http } from '@google-cloud/functions-framework';
import { deployedFunctions } from '../shared/runtime/compose';
import { lazyHandler } from '../shared/runtime/lazy-handler';

/** sync-payment: pushed by its subscription on the stripe-payments topic; writes Payments applied to invoices, and SalesReceipts for charges without an invoice into QBO, each exactly once. */
http(
  'syncPayment',
  lazyHandler(() => deployedFunctions.consumer('payment')),
);
