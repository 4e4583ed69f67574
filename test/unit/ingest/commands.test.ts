import type { BackfillCommand } from '../../../schemas/backfill-command.schema';
import type { ReplayCommand } from '../../../schemas/replay-command.schema';
import { createValidators } from '../../../schemas/validators';

const validators = createValidators();

// Typed with the FromSchema types and checked by ajv against the same consts: a field added to one and not the
// other fails here (compile error or validation error).
const backfill: BackfillCommand = {
  schemaVersion: 1,
  backfillId: 'bf_2026_01',
  tenantId: 'acme',
  entities: ['customers', 'invoices', 'invoice_payments'],
  createdFrom: '2025-01-01T00:00:00Z',
  createdTo: '2026-01-01T00:00:00Z',
  dryRun: true,
  cursor: { entity: 'invoices', startingAfter: 'in_123' },
};
const replay: ReplayCommand = {
  schemaVersion: 1,
  tenantId: 'acme',
  since: '2026-01-14T00:00:00Z',
  requestedAt: '2026-01-15T00:00:00Z',
  requestedBy: 'scheduler',
};

describe('command schemas', () => {
  test('a backfill continuation command is valid', () => {
    expect(validators.backfillCommand.parse(backfill)).toEqual(backfill);
  });

  test('a backfill of an unknown list, or of nothing, is refused', () => {
    expect(validators.backfillCommand.is({ ...backfill, entities: ['subscriptions'] })).toBe(false);
    expect(validators.backfillCommand.is({ ...backfill, entities: [] })).toBe(false);
  });

  test('a replay for every tenant from the stored cursor needs only who and when', () => {
    expect(validators.replayCommand.is(replay)).toBe(true);
    expect(
      validators.replayCommand.is({ schemaVersion: 1, requestedAt: replay.requestedAt, requestedBy: 'cli:op-1' }),
    ).toBe(true);
    expect(validators.replayCommand.is({ schemaVersion: 2, requestedAt: replay.requestedAt, requestedBy: 'x' })).toBe(
      false,
    );
  });
});
