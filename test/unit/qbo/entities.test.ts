import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QboEntityName as PlannedEntity } from '../../../shared/accounting/plan';
import { DELETABLE_ENTITIES, QBO_ENTITIES, qboEntityName } from '../../../shared/qbo/entities';
import type { QboEntityName } from '../../../shared/qbo/entities';

// One type: what a recipe may plan is exactly what the client and the simulator take (a compile error otherwise).
const sameType: [PlannedEntity, QboEntityName] extends [QboEntityName, PlannedEntity] ? true : false = true;

describe('the QBO entity vocabulary', () => {
  it('is one list, shared by the plans and the client, and includes Transfer for manual payouts', () => {
    expect(sameType).toBe(true);
    expect(QBO_ENTITIES).toContain('Transfer');
    expect(DELETABLE_ENTITIES.has('Transfer')).toBe(true);
    expect(qboEntityName('transfer')).toBe('Transfer');
    expect(qboEntityName('journalentry')).toBe('JournalEntry');
    expect(qboEntityName('bill')).toBeUndefined();
  });

  it('imports nothing, so the pure accounting code can use it without the client coming along', () => {
    const source = readFileSync(join(__dirname, '../../../shared/qbo/entities.ts'), 'utf8');
    expect(source).not.toMatch(/^\s*import\b/m);
    expect(source).not.toMatch(/\brequire\(/);
  });
});
