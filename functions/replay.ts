import { http } from '@google-cloud/functions-framework';
import { buildReplayFunction } from '../shared/replay/replay-function';
import { lazyHandler } from '../shared/runtime/lazy-handler';

/** replay: pushed by its subscription on scheduler-ticks; republishes what the webhooks missed. */
http(
  'replay',
  lazyHandler(() => buildReplayFunction()),
);
