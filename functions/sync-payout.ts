import { http } from '@google-cloud/functions-framework';
import { deployedFunctions } from '../shared/runtime/compose';
import { lazyHandler } from '../shared/runtime/lazy-handler';

/** sync-payout: pushed by its subscription on the stripe-payouts topic; writes Deposits (or a Transfer for manual payouts, a JournalEntry in payout_summary mode) into QBO, each exactly once. */
http(
  'syncPayout',
  lazyHandler(() => deployedFunctions.consumer('payout')),
);
