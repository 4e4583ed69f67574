import { randomUUID } from 'node:crypto';
import { BACKFILL_ENTITIES, type BackfillCommand, type BackfillEntity } from '../../schemas/backfill-command.schema';
import type { Validators } from '../../schemas/validators';
import { backfillCheckpointKey, type BackfillCheckpoint } from '../backfill/backfill';
import type { MessagePublisher } from '../messaging/publisher';
import { CONTROL_TOPICS, topicName } from '../messaging/topics';
import type { SyncStateStore, TenantStore } from '../stores/ports';

/**
 * Starts a backfill (DESIGN section 8) by publishing its command to ops-backfill, and reads its checkpoint.
 * `stripe-qbo backfill start|status` and the console's test run (a dry-run backfill) call these.
 */
export interface BackfillRequestDeps {
  tenants: Pick<TenantStore, 'get'>;
  syncState: Pick<SyncStateStore, 'get'>;
  publisher: MessagePublisher;
  validators: Pick<Validators, 'backfillCommand'>;
  topicPrefix: string;
}

export interface BackfillRequest {
  tenantId: string;
  /** Inclusive start and exclusive end of the `created` range. */
  createdFrom: Date;
  createdTo: Date;
  entities: readonly BackfillEntity[];
  dryRun: boolean;
  backfillId?: string;
}

export type BackfillRequestResult =
  | { ok: true; backfillId: string; messageId: string; command: BackfillCommand }
  | { ok: false; problem: 'unknown_tenant'; message: string };

const compactDay = (date: Date) => date.toISOString().slice(0, 10).replace(/-/g, '');

export async function startBackfill(
  deps: BackfillRequestDeps,
  request: BackfillRequest,
): Promise<BackfillRequestResult> {
  if (!(await deps.tenants.get(request.tenantId)))
    return { ok: false, problem: 'unknown_tenant', message: `no tenant ${request.tenantId}` };
  const lastDay = new Date(request.createdTo.getTime() - 1);
  const backfillId =
    request.backfillId ??
    `${request.tenantId}-${compactDay(request.createdFrom)}-${compactDay(lastDay)}-${randomUUID().slice(0, 8)}`;
  const command: BackfillCommand = deps.validators.backfillCommand.parse({
    schemaVersion: 1,
    backfillId,
    tenantId: request.tenantId,
    // Recipes need customers before invoices before payments: keep the schema's order whatever was asked.
    entities: BACKFILL_ENTITIES.filter((e) => request.entities.includes(e)),
    createdFrom: request.createdFrom.toISOString(),
    createdTo: request.createdTo.toISOString(),
    dryRun: request.dryRun,
  });
  const messageId = await deps.publisher.publish(topicName(deps.topicPrefix, CONTROL_TOPICS.opsBackfill), command, {
    orderingKey: backfillId,
    attributes: { tenantId: command.tenantId, backfillId },
  });
  return { ok: true, backfillId, messageId, command };
}

export async function backfillStatus(
  deps: Pick<BackfillRequestDeps, 'syncState'>,
  backfillId: string,
): Promise<BackfillCheckpoint | undefined> {
  return (await deps.syncState.get<BackfillCheckpoint>(backfillCheckpointKey(backfillId)))?.value;
}
