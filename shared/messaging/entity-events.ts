import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { MessagePublisher } from './publisher';
import { ENTITY_TOPIC, topicName, type Entity } from './topics';

/** The topic that carries normalized events of `entity`, under the deployment's prefix. */
export function entityTopicName(topicPrefix: string, entity: Entity): string {
  return topicName(topicPrefix, ENTITY_TOPIC[entity]);
}

/**
 * Publishes a normalized event to its entity topic as DESIGN section 3 describes the message: ordering key = the
 * Stripe object that owns the QBO write, attributes `tenantId`, `entity`, `eventType`, `source`. The webhook,
 * replay, backfill, a consumer asking for a dependency and the CLI's republish all send through here, so a
 * message is the same whoever sends it. Resolves with Pub/Sub's message id once the message is durable.
 */
export function publishEntityEvent(
  publisher: MessagePublisher,
  topicPrefix: string,
  event: NormalizedEvent,
): Promise<string> {
  return publisher.publish(entityTopicName(topicPrefix, event.entity), event, {
    orderingKey: event.objectId,
    attributes: { tenantId: event.tenantId, entity: event.entity, eventType: event.type, source: event.source },
  });
}
