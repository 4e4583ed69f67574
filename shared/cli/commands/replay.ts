import type { ReplayCommand } from '../../../schemas/replay-command.schema';
import { CONTROL_TOPICS, topicName } from '../../messaging/topics';
import { REPLAY } from '../command-specs';
import { UsageError } from '../io';
import type { OpsCommand } from '../ops-context';
import { parseCommand } from '../spec';

/**
 * `replay [--tenant ID] [--since ISO-8601] [--json]`: publishes a replay command to scheduler-ticks, the same
 * message Cloud Scheduler sends daily; the replay function does the work and logs one summary line per tenant.
 */
export const replayCommand: OpsCommand = async (argv, context, out) => {
  const { values } = parseCommand(REPLAY, argv);
  if (values.since !== undefined && Number.isNaN(Date.parse(values.since)))
    throw new UsageError('--since needs an ISO 8601 date-time');
  if (values.tenant && !(await context.stores.tenants.get(values.tenant))) {
    out.stderr(`no tenant ${values.tenant}`);
    return 1;
  }
  const command: ReplayCommand = context.validators.replayCommand.parse({
    schemaVersion: 1,
    ...(values.tenant ? { tenantId: values.tenant } : {}),
    ...(values.since ? { since: new Date(values.since).toISOString() } : {}),
    requestedAt: context.now().toISOString(),
    requestedBy: 'cli',
  });
  const messageId = await context.publisher.publish(
    topicName(context.topicPrefix, CONTROL_TOPICS.schedulerTicks),
    command,
    {
      orderingKey: values.tenant ?? 'all',
      attributes: { ...(values.tenant ? { tenantId: values.tenant } : {}), requestedBy: 'cli' },
    },
  );
  out.stdout(
    values.json
      ? JSON.stringify({ messageId, command }, null, 2)
      : `replay requested for ${values.tenant ?? 'every enabled tenant'} (message ${messageId})`,
  );
  return 0;
};
