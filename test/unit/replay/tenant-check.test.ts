import { checkTenantMappings, type QboQuery } from '../../../shared/cli/commands/tenant-check';
import { buildTenantSettings } from '../../support/tenants';

type Row = Record<string, unknown>;

/** A fake QBO company answering `select * from <Entity> where Id = '<id>'`. */
function company(accounts: Row[], items: Row[]): QboQuery {
  return {
    async query(sql) {
      const match = /^select \* from (Account|Item) where Id = '(\d+)'$/.exec(sql);
      if (!match) throw new Error(`unexpected query ${sql}`);
      const rows = match[1] === 'Account' ? accounts : items;
      return rows.filter((row) => row.Id === match[2]);
    },
  };
}

const goodAccounts: Row[] = [
  { Id: '35', AccountType: 'Bank', Active: true },
  { Id: '36', AccountType: 'Bank', Active: true },
  { Id: '70', AccountType: 'Expense', Active: true },
  { Id: '71', AccountType: 'Expense', Active: true },
  { Id: '72', AccountType: 'Other Expense', Active: true },
  { Id: '86', AccountType: 'Income', Active: true },
];
const goodItems: Row[] = [
  { Id: '1', Type: 'Service', Active: true },
  { Id: '2', Type: 'Service', Active: true },
];

describe('tenant check', () => {
  test('a company with every mapping present and of a suitable type has no problems', async () => {
    expect(await checkTenantMappings(buildTenantSettings(), company(goodAccounts, goodItems))).toEqual([]);
  });

  test('names a missing clearing account, a fees account of the wrong type and a missing default item', async () => {
    const accounts = goodAccounts
      .filter((a) => a.Id !== '35')
      .map((a) => (a.Id === '70' ? { ...a, AccountType: 'Bank' } : a));
    const items = goodItems.filter((i) => i.Id !== '1');
    const problems = await checkTenantMappings(buildTenantSettings(), company(accounts, items));
    expect(problems.map((p) => [p.key, p.problem])).toEqual([
      ['accounts.stripeClearing', 'missing'],
      ['accounts.stripeFees', 'wrong_type'],
      ['items.defaultItem', 'missing'],
    ]);
    expect(problems[1]?.detail).toBe(
      'accounts.stripeFees: Account 70 is of type Bank; expected Expense or Other Expense',
    );
  });

  test('a clearing account that is not a Bank account, an inactive default item and unmapped summary accounts', async () => {
    const settings = buildTenantSettings({ mode: 'payout_summary' });
    const accounts = goodAccounts.map((a) => (a.Id === '35' ? { ...a, AccountType: 'Other Current Asset' } : a));
    const items = goodItems.map((i) => (i.Id === '1' ? { ...i, Active: false } : i));
    const problems = await checkTenantMappings(settings, company(accounts, items));
    expect(problems.map((p) => [p.key, p.problem])).toEqual([
      ['accounts.stripeClearing', 'wrong_type'],
      ['accounts.income', 'not_set'],
      ['accounts.refunds', 'not_set'],
      ['items.defaultItem', 'inactive'],
    ]);
  });
});
