import { http } from '@google-cloud/functions-framework';
import { deployedFunctions } from '../shared/runtime/compose';
import { lazyHandler } from '../shared/runtime/lazy-handler';

/** sync-customer: pushed by its subscription on the stripe-customers topic; writes Customers (matched to existing ones by email or name first) into QBO, each exactly once. */
http(
  'syncCustomer',
  lazyHandler(() => deployedFunctions.consumer('customer')),
);
