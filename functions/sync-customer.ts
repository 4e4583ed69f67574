import { http } from '@google-cloud/functions-framework';
import { lazyHandler } from '../shared/runtime/lazy-handler';
import { buildConsumerFunction } from '../shared/runtime/consumer-function';

/** sync-customer: pushed by its subscription on the stripe-customers topic; writes Customers (matched to existing ones by email or name first) into QBO, each exactly once. */
http(
  'syncCustomer',
  lazyHandler(() => buildConsumerFunction('customer')),
);
