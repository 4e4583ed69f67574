import type { ReplayCommand } from '../../schemas/replay-command.schema';
import type { Validators } from '../../schemas/validators';
import type { MessagePublisher } from '../messaging/publisher';
import { CONTROL_TOPICS, topicName } from '../messaging/topics';
import type { TenantStore } from '../stores/ports';

/**
 * Asks for a replay (DESIGN section 8): the same replay command Cloud Scheduler publishes daily, on
 * scheduler-ticks; the replay function does the work. `stripe-qbo replay` and the console's "sync now" call this.
 */
export interface ReplayRequestDeps {
  tenants: Pick<TenantStore, 'get'>;
  publisher: MessagePublisher;
  validators: Pick<Validators, 'replayCommand'>;
  topicPrefix: string;
  now: () => Date;
}

export interface ReplayRequest {
  /** Unset: every enabled tenant. */
  tenantId?: string;
  /** ISO 8601; unset: each tenant's cursor. */
  since?: string;
  /** An id, never a name or an email (`cli`, `console:<subject id>`). */
  requestedBy: string;
}

export type ReplayRequestResult =
  { ok: true; messageId: string; command: ReplayCommand } | { ok: false; problem: 'unknown_tenant'; message: string };

export async function requestReplay(deps: ReplayRequestDeps, request: ReplayRequest): Promise<ReplayRequestResult> {
  if (request.tenantId && !(await deps.tenants.get(request.tenantId)))
    return { ok: false, problem: 'unknown_tenant', message: `no tenant ${request.tenantId}` };
  const command: ReplayCommand = deps.validators.replayCommand.parse({
    schemaVersion: 1,
    ...(request.tenantId ? { tenantId: request.tenantId } : {}),
    ...(request.since ? { since: new Date(request.since).toISOString() } : {}),
    requestedAt: deps.now().toISOString(),
    requestedBy: request.requestedBy,
  });
  const messageId = await deps.publisher.publish(topicName(deps.topicPrefix, CONTROL_TOPICS.schedulerTicks), command, {
    orderingKey: request.tenantId ?? 'all',
    attributes: { ...(request.tenantId ? { tenantId: request.tenantId } : {}), requestedBy: request.requestedBy },
  });
  return { ok: true, messageId, command };
}
