import type { PlannedOperation } from '../accounting/plan';
import { PermanentError } from '../errors';
import { sameAmount, type OperationOutcome } from './write-protocol';

/**
 * QBO's total differs from Stripe's by even a cent. The object exists in QBO and the ledger holds its id, so no
 * attempt writes it again; it gets no link record and no `posted` row, and is parked for a person.
 */
export class TotalsMismatchError extends PermanentError {
  constructor(
    readonly qboId: string,
    expected: string,
    actual: string,
  ) {
    super(`QBO computed ${actual}, Stripe says ${expected}`, {
      code: 'totals_mismatch',
      detail: `qboId=${qboId} expected=${expected} actual=${actual}`,
    });
  }
}

/**
 * Stage `verify` (DESIGN section 5 step 6): what QBO computed for a create must equal the plan's expected total to
 * the cent, before anything announces the write (post → verify → link). A write the ledger already had is not
 * read back: the attempt that made it verified it, and parked it if it did not match.
 */
export function verifyWrite(operation: PlannedOperation, outcome: OperationOutcome): void {
  if (outcome.kind !== 'posted' || operation.operation !== 'create' || operation.expectedTotal === undefined) return;
  const actual = outcome.qbo.TotalAmt;
  if (actual === undefined) return;
  if (!sameAmount(operation.expectedTotal, actual))
    throw new TotalsMismatchError(String(outcome.qbo.Id ?? ''), operation.expectedTotal, String(actual));
}
