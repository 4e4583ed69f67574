import { BACKFILL_ENTITIES, type BackfillEntity } from '../../../schemas/backfill-command.schema';
import { backfillStatus, startBackfill } from '../../ops/backfill-request';
import { BACKFILL, BACKFILL_START, BACKFILL_STATUS } from '../command-specs';
import { UsageError } from '../io';
import type { OpsCommand } from '../ops-context';
import { parseCommand, selectSubcommand } from '../spec';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function dayStart(value: string | undefined, flag: string): Date {
  if (!value || !DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
    throw new UsageError(`${flag} needs a date as YYYY-MM-DD`);
  return new Date(`${value}T00:00:00Z`);
}

/**
 * `backfill start --tenant ID --from YYYY-MM-DD --to YYYY-MM-DD [--entities a,b] [--dry-run] [--id ID]` publishes a
 * backfill command to ops-backfill and prints its id; both dates are whole UTC days, `--to` included.
 * `backfill status ID [--json]` prints the checkpoint.
 */
export const backfillCommand: OpsCommand = async (argv, context, out) => {
  const selected = selectSubcommand(BACKFILL, argv);
  if (selected.name === 'status') {
    const {
      positionals: [argument],
      values,
    } = parseCommand(BACKFILL_STATUS, selected.argv);
    const c = await backfillStatus(context.stores, argument);
    if (!c) {
      out.stderr(`no checkpoint for backfill ${argument} (not started yet, or unknown id)`);
      return 1;
    }
    if (values.json) out.stdout(JSON.stringify(c, null, 2));
    else
      out.stdout(
        [
          `backfill ${c.backfillId}  tenant ${c.tenantId}  ${c.status}${c.dryRun ? '  (dry run)' : ''}`,
          `range ${c.createdFrom} .. ${c.createdTo}  continuations ${c.continuations}  updated ${c.updatedAt}`,
          ...c.entities.map((entity, index) => {
            const n = c.counts[entity];
            const state = index < c.entityIndex ? 'done' : index === c.entityIndex ? 'walking' : 'waiting';
            return `  ${entity.padEnd(16)} ${state.padEnd(8)} pages ${n?.pages ?? 0}  objects ${n?.objects ?? 0}  events ${n?.events ?? 0}  skipped ${n?.skipped ?? 0}`;
          }),
        ].join('\n'),
      );
    return 0;
  }
  const { values } = parseCommand(BACKFILL_START, selected.argv);
  const from = dayStart(values.from, '--from');
  const to = new Date(dayStart(values.to, '--to').getTime() + 24 * 3600 * 1000);
  if (to <= from) throw new UsageError('--to must not be before --from');
  const entities = (values.entities ? values.entities.split(',').map((e) => e.trim()) : [...BACKFILL_ENTITIES]).filter(
    Boolean,
  );
  const unknown = entities.filter((e) => !(BACKFILL_ENTITIES as readonly string[]).includes(e));
  if (unknown.length > 0)
    throw new UsageError(`unknown entities ${unknown.join(', ')} (choose from ${BACKFILL_ENTITIES.join(', ')})`);
  const result = await startBackfill(
    {
      tenants: context.stores.tenants,
      syncState: context.stores.syncState,
      publisher: context.publisher,
      validators: context.validators,
      topicPrefix: context.topicPrefix,
    },
    {
      tenantId: values.tenant,
      createdFrom: from,
      createdTo: to,
      entities: entities as BackfillEntity[],
      dryRun: values['dry-run'],
      ...(values.id ? { backfillId: values.id } : {}),
    },
  );
  if (!result.ok) {
    out.stderr(result.message);
    return 1;
  }
  const { backfillId, messageId, command } = result;
  if (values.json) out.stdout(JSON.stringify({ backfillId, messageId, command }, null, 2));
  else out.stdout(backfillId);
  return 0;
};
