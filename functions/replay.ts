import { http } from '@google-cloud/functions-framework';
import { deployedFunctions } from '../shared/runtime/compose';
import { lazyHandler } from '../shared/runtime/lazy-handler';

/** replay: pushed by its subscription on scheduler-ticks; republishes what the webhooks missed. */
http(
  'replay',
  lazyHandler(() => deployedFunctions.replay()),
);
