import type { PlannedOperation } from '../../../shared/accounting/plan';
import { TotalsMismatchError, verifyWrite } from '../../../shared/consumers/verify';
import type { OperationOutcome } from '../../../shared/consumers/write-protocol';
import type { LedgerEntry } from '../../../shared/stores/ports';

const invoice: PlannedOperation = {
  entity: 'Invoice',
  operation: 'create',
  stripeId: 'in_1',
  stripeObject: 'invoice',
  requestId: 'request-1',
  currency: 'USD',
  expectedTotal: '100.10',
  body: {},
};
const entry = { state: 'posted', qboId: '41' } as LedgerEntry;
const posted = (TotalAmt: unknown): OperationOutcome => ({
  kind: 'posted',
  qbo: { Id: '41', TotalAmt },
  entry,
  recovered: false,
});

describe('verify', () => {
  it.each([100.1, '100.10', '100.1'])("accepts QBO's total %p when it equals the plan's to the cent", (total) => {
    expect(() => verifyWrite(invoice, posted(total))).not.toThrow();
  });

  it('refuses a total one cent off, naming the QBO object', () => {
    let thrown: unknown;
    try {
      verifyWrite(invoice, posted(100.09));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TotalsMismatchError);
    expect(thrown).toMatchObject({ qboId: '41', code: 'totals_mismatch', failureClass: 'rejected' });
    expect((thrown as TotalsMismatchError).detail).toBe('qboId=41 expected=100.10 actual=100.09');
  });

  it('has nothing to check for a write the ledger already had, a void, or an object without a total', () => {
    expect(() => verifyWrite(invoice, { kind: 'already_posted', entry })).not.toThrow();
    expect(() => verifyWrite({ ...invoice, operation: 'void' }, posted(1))).not.toThrow();
    expect(() => verifyWrite(invoice, posted(undefined))).not.toThrow();
  });
});
