import { http } from '@google-cloud/functions-framework';
import { deployedFunctions } from '../shared/runtime/compose';
import { lazyHandler } from '../shared/runtime/lazy-handler';

/** console: the operator console's pages, behind Identity-Aware Proxy (infra/console.tf). */
http(
  'console',
  lazyHandler(() => deployedFunctions.console()),
);
