import { getRequestListener } from '@hono/node-server';
import type { HttpHandler } from '../runtime/lazy-handler';
import { createConsoleApp, type ConsoleDeps } from './app';

/**
 * The console as a functions-framework HTTP handler: the Hono app behind Node's request listener. The framework has
 * parsed the body already; the listener reads `req.rawBody` (which the framework keeps) instead of the stream.
 */
export function consoleHandler(deps: ConsoleDeps): HttpHandler {
  const listener = getRequestListener(createConsoleApp(deps).fetch);
  return async (req, res) => {
    await listener(req, res);
  };
}
