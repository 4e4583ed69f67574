import type { PublicReply, PublicRequest } from '../../ingest/public-server';
import { webhookError } from '../../ingest/webhook-replies';
import { completeConnectFlow, type ConnectCallbackDeps, type ConnectCallbackResult } from './connect-flow';

/** Where Intuit sends the browser back: `GET /callback?code&state&realmId` (the OAuth app's https redirect URI). */
export const QBO_CONNECT_CALLBACK_PATH = '/callback';

function page(status: number, title: string, text: string): PublicReply {
  const escape = (value: string) =>
    value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
  return {
    status,
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`,
  };
}

function answer(result: ConnectCallbackResult): PublicReply {
  if (result.kind === 'connected')
    return page(
      200,
      'QuickBooks connected',
      `Tenant ${result.tenantId} is connected to QuickBooks company ${result.realmId}. You can close this tab; the command that started this reports it too.`,
    );
  if (result.kind === 'failed')
    return page(400, 'QuickBooks connection failed', `Tenant ${result.tenantId} was not connected (${result.reason}).`);
  // Nothing about the flows in progress: this request did not start one.
  return page(
    400,
    'Not a connection in progress',
    `This link does not belong to a connection in progress (${result.reason}).`,
  );
}

/**
 * The `qbo-connect` service's handler (functions/qbo-connect.ts), behind the bounded public server: GET only, no
 * body. Pages carry ids and codes, never tokens.
 */
export function createQboConnectCallbackHandler(
  deps: ConnectCallbackDeps,
): (request: PublicRequest) => Promise<PublicReply> {
  return async (request) => {
    if (request.path !== QBO_CONNECT_CALLBACK_PATH)
      return webhookError(404, 'not_found', `GET ${QBO_CONNECT_CALLBACK_PATH}`);
    if (request.method !== 'GET')
      return webhookError(405, 'method_not_allowed', 'only GET is accepted', { Allow: 'GET' });
    const url = new URL(`https://qbo-connect${request.path}?${request.query}`);
    try {
      return answer(await completeConnectFlow(deps, url));
    } catch (error) {
      deps.logger.error({ err: error, reason: 'connect_callback_failed' }, 'qbo connect callback failed');
      return page(503, 'Try again', 'The connection could not be recorded. Reload this page in a moment.');
    }
  };
}
