/**
 * The webhook's answers, one shape per kind (openapi/openapi.yaml describes them, and a test validates the real
 * responses against it). Bodies carry ids and codes only.
 */
export type WebhookErrorCode =
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_encoding'
  | 'request_timeout'
  | 'not_found'
  | 'signature_missing'
  | 'signature_invalid'
  | 'timestamp_outside_tolerance'
  | 'malformed_json'
  | 'malformed_event'
  | 'unavailable'
  | 'internal';

export interface WebhookReceiptBody {
  received: true;
  outcome: 'published' | 'skipped';
  eventId: string;
  reason?: string;
}

export interface WebhookErrorBody {
  error: { code: WebhookErrorCode; message: string };
}

export interface WebhookReply {
  status: number;
  body: WebhookReceiptBody | WebhookErrorBody;
  headers?: Record<string, string>;
}

export function webhookReceipt(receipt: Omit<WebhookReceiptBody, 'received'>): WebhookReply {
  return { status: 200, body: { received: true, ...receipt } };
}

export function webhookError(
  status: number,
  code: WebhookErrorCode,
  message: string,
  headers?: Record<string, string>,
): WebhookReply {
  const reply: WebhookReply = { status, body: { error: { code, message } } };
  if (headers) reply.headers = headers;
  return reply;
}
