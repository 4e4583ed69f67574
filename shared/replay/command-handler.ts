import type { Request, Response } from '@google-cloud/functions-framework';
import type { Validator } from '../../schemas/validators';
import { classifyError } from '../errors';
import { parsePushEnvelope } from '../messaging/push-envelope';
import type { Logger } from '../observability/logger';
import type { AuditSink } from '../stores/ports';
import type { HttpHandler } from '../runtime/lazy-handler';

/**
 * The push shell shared by replay and backfill: parse the envelope, validate the versioned command, run it.
 * 204 acknowledges (done, or a permanent failure recorded in the audit log: an operator fixes the command and sends
 * it again); 503 asks Pub/Sub to redeliver (network, Stripe 429/5xx, a store outage), and the redelivery resumes
 * from the stored cursor or checkpoint.
 */
export function createCommandHandler<T extends { tenantId?: string }>(props: {
  functionName: string;
  validator: Validator<T>;
  run: (command: T) => Promise<unknown>;
  logger: Logger;
  audit: AuditSink;
  now: () => Date;
}): HttpHandler {
  return async (req: Request, res: Response) => {
    let command: T;
    let messageId = '';
    try {
      const delivery = parsePushEnvelope(req.body);
      messageId = delivery.messageId;
      command = props.validator.parse(JSON.parse(delivery.data.toString('utf8')));
    } catch (error) {
      props.logger.error({ reason: 'invalid_message', messageId }, (error as Error).message);
      res.status(204).end();
      return;
    }
    try {
      await props.run(command);
      res.status(204).end();
    } catch (error) {
      const failure = classifyError(error);
      if (failure.retryable) {
        props.logger.warn({ reason: failure.code, tenantId: command.tenantId }, `${props.functionName} will retry`);
        res.status(503).end();
        return;
      }
      props.logger.error({ reason: failure.code, tenantId: command.tenantId }, failure.message);
      await props.audit
        .record({
          schemaVersion: 1,
          recordId: `${props.functionName}:failed:${messageId || props.now().toISOString()}`,
          recordedAt: props.now().toISOString(),
          tenantId: command.tenantId ?? 'all',
          function: props.functionName,
          outcome: 'failed',
          reason: failure.code.slice(0, 100),
          failureClass: failure.failureClass,
          detail: (failure.detail ?? failure.message).slice(0, 2000),
        })
        .catch(() => undefined);
      res.status(204).end();
    }
  };
}
