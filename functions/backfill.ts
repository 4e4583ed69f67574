import { http } from '@google-cloud/functions-framework';
import { deployedFunctions } from '../shared/runtime/compose';
import { lazyHandler } from '../shared/runtime/lazy-handler';

/** backfill: pushed by its subscription on ops-backfill; publishes a tenant's Stripe history page by page. */
http(
  'backfill',
  lazyHandler(() => deployedFunctions.backfill()),
);
