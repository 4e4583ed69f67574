import type { AuditRecord } from '../../schemas/audit-record.schema';
import type { LinkRecord } from '../../schemas/link-record.schema';
import type { Validators } from '../../schemas/validators';
import type { Logger } from '../observability/logger';
import type { MessagePublisher } from '../messaging/publisher';
import { CONTROL_TOPICS, topicName } from '../messaging/topics';
import type { AuditSink } from '../stores/ports';

/**
 * Audit and link records go to their topics; BigQuery subscriptions load them in production and the local
 * archiver loads them into DuckDB. Each record is validated first: a malformed audit row is our bug, and it
 * should fail loudly here rather than be dropped by BigQuery's schema check later.
 * Every decision is also logged with the counter fields (`outcome`, `reason`, `failureClass`) that the
 * log-based metrics count, so alerts do not depend on the BigQuery load.
 */
export class PubSubAuditSink implements AuditSink {
  constructor(
    private readonly publisher: MessagePublisher,
    private readonly validators: Validators,
    private readonly topicPrefix: string,
    private readonly logger: Logger,
  ) {}

  async record(record: AuditRecord): Promise<void> {
    const valid = this.validators.auditRecord.parse(record);
    this.logger.info(
      {
        tenantId: valid.tenantId,
        eventId: valid.eventId,
        objectId: valid.stripeId,
        outcome: valid.outcome,
        reason: valid.reason,
        failureClass: valid.failureClass,
        qboId: valid.qboId,
        latencyMs: valid.latencyMs,
        [valid.outcome]: 1,
      },
      `${valid.outcome}/${valid.reason}`,
    );
    await this.publisher.publish(topicName(this.topicPrefix, CONTROL_TOPICS.auditRecords), valid, {
      attributes: { tenantId: valid.tenantId, outcome: valid.outcome },
    });
  }

  async link(record: LinkRecord): Promise<void> {
    const valid = this.validators.linkRecord.parse(record);
    await this.publisher.publish(topicName(this.topicPrefix, CONTROL_TOPICS.linkRecords), valid, {
      attributes: { tenantId: valid.tenantId, qboEntity: valid.qboEntity },
    });
  }
}
