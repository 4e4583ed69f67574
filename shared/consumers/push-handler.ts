import type { Request, Response } from '@google-cloud/functions-framework';
import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { Validators } from '../../schemas/validators';
import { classifyError } from '../errors';
import { parsePushEnvelope, type PushDelivery } from '../messaging/push-envelope';
import type { Logger } from '../observability/logger';
import type { PushStatus } from './failure-policy';
import type { PushAuthenticator } from './push-auth';
import type { Recorder, SyncOutcome } from './record';

export interface PushHandlerDeps {
  entity: string;
  logger: Logger;
  validators: Pick<Validators, 'normalizedEvent'>;
  recorder: Pick<Recorder, 'invalidMessage'>;
  /** Checks the push's OIDC token before anything in the request is read (push-auth.ts). No default. */
  authenticate: PushAuthenticator;
  /** The pipeline: runs one event, throws when it did not finish. */
  sync(event: NormalizedEvent, delivery: Pick<PushDelivery, 'deliveryAttempt'>): Promise<SyncOutcome>;
  /** The failure policy: what a thrown run leaves behind, and the status that tells Pub/Sub about it. */
  onFailure(event: NormalizedEvent, error: unknown, attempt: number | undefined): Promise<PushStatus>;
}

/**
 * Stage `push-handler`, the consumer's door: Pub/Sub push envelope → validated normalized event → pipeline →
 * HTTP status. 204 acknowledges (posted, skipped, parked, or a message no retry can fix); 503 asks Pub/Sub to
 * redeliver with backoff, and after maxDeliveryAttempts to dead-letter. Never a 2xx for a run that did not finish.
 * A push without our subscription's OIDC token gets 401/403 before its body is looked at.
 */
export function createPushHandler(deps: PushHandlerDeps) {
  return async function handle(req: Request, res: Response): Promise<void> {
    const auth = await deps.authenticate(req);
    if (!auth.ok) {
      // Our own subscription misconfigured shows up here too: its messages dead-letter and this line says why.
      deps.logger.warn({ reason: `push_${auth.reason}`, status: auth.status }, 'push refused');
      res.status(auth.status).end();
      return;
    }
    let delivery: PushDelivery;
    try {
      delivery = parsePushEnvelope(req.body);
    } catch (error) {
      // Not a push from our subscription: nothing to park, and redelivering it cannot make it one.
      deps.logger.error({ reason: 'invalid_push', outcome: 'parked' }, (error as Error).message);
      res.status(204).end();
      return;
    }
    let event: NormalizedEvent;
    try {
      event = deps.validators.normalizedEvent.parse(JSON.parse(delivery.data.toString('utf8')));
    } catch (error) {
      // Acknowledged, recorded and kept for a person: never retried forever (DESIGN section 3).
      await deps.recorder.invalidMessage(deps.entity, delivery, classifyError(error));
      res.status(204).end();
      return;
    }
    const log = deps.logger.child({ tenantId: event.tenantId, eventId: event.eventId, objectId: event.objectId });
    try {
      const outcome = await deps.sync(event, delivery);
      log.debug({ outcome }, 'event synced');
      res.status(204).end();
    } catch (error) {
      const status = await deps.onFailure(event, error, delivery.deliveryAttempt);
      const reason = classifyError(error).code;
      // An error nothing classified is a bug of ours: its stack frames are what the on-call engineer needs (the
      // serializer keeps them, and drops the message, which may quote the data that broke it).
      if (reason === 'unclassified') log.error({ reason, err: error }, 'unclassified failure');
      else if (status >= 500) log.warn({ reason, attempt: delivery.deliveryAttempt }, 'will retry');
      res.status(status).end();
    }
  };
}
