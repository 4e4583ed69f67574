import { PermanentError } from '../errors';

/** A Pub/Sub push request body: `{message:{data,attributes,messageId,orderingKey}, subscription, deliveryAttempt}`. */
export interface PushDelivery {
  data: Buffer;
  attributes: Record<string, string>;
  messageId: string;
  orderingKey: string | undefined;
  subscription: string | undefined;
  /** Present only when the subscription has a dead-letter policy. */
  deliveryAttempt: number | undefined;
  publishTime: string | undefined;
}

export function parsePushEnvelope(body: unknown): PushDelivery {
  if (typeof body !== 'object' || body === null)
    throw new PermanentError('push body is not an object', { code: 'invalid_push' });
  const envelope = body as Record<string, unknown>;
  const message = envelope.message as Record<string, unknown> | undefined;
  if (typeof message !== 'object' || message === null || typeof message.data !== 'string')
    throw new PermanentError('push body has no message.data', { code: 'invalid_push' });
  const messageId = (message.messageId ?? message.message_id) as unknown;
  const attributes: Record<string, string> = {};
  if (typeof message.attributes === 'object' && message.attributes !== null) {
    for (const [key, value] of Object.entries(message.attributes as Record<string, unknown>))
      if (typeof value === 'string') attributes[key] = value;
  }
  const attempt = envelope.deliveryAttempt;
  return {
    data: Buffer.from(message.data, 'base64'),
    attributes,
    messageId: typeof messageId === 'string' ? messageId : '',
    orderingKey:
      typeof message.orderingKey === 'string' && message.orderingKey !== '' ? message.orderingKey : undefined,
    subscription: typeof envelope.subscription === 'string' ? envelope.subscription : undefined,
    deliveryAttempt: typeof attempt === 'number' ? attempt : undefined,
    publishTime: typeof message.publishTime === 'string' ? message.publishTime : undefined,
  };
}
