import { requestReplay } from '../../ops/replay-request';
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
  const result = await requestReplay(
    {
      tenants: context.stores.tenants,
      publisher: context.publisher,
      validators: context.validators,
      topicPrefix: context.topicPrefix,
      now: context.now,
    },
    {
      ...(values.tenant ? { tenantId: values.tenant } : {}),
      ...(values.since ? { since: values.since } : {}),
      requestedBy: 'cli',
    },
  );
  if (!result.ok) {
    out.stderr(result.message);
    return 1;
  }
  const { messageId, command } = result;
  out.stdout(
    values.json
      ? JSON.stringify({ messageId, command }, null, 2)
      : `replay requested for ${values.tenant ?? 'every enabled tenant'} (message ${messageId})`,
  );
  return 0;
};
