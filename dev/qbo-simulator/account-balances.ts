import type { SimCompany } from './company';
import type { SimEntityName } from './entities';
import { isPostingEntity, natural, postingsOf } from './postings';
import { money, num, refValue } from './sim-fault';
import type { SimRecord } from './sim-fault';

/**
 * Account.CurrentBalance as QBO keeps it: moved by every posting to the account, in the account's own currency
 * (Intuit's Account reference: "CurrentBalance: Specifies the balance amount for the current Account. Valid for
 * Balance Sheet accounts"), so a reconciliation can read what sits on the Stripe clearing account without a report.
 * Income and expense accounts keep 0. Natural sign: a bank's deposits raise it, a liability's credits raise it.
 * Kept up to date on every write (create, update, void, delete) rather than summed on every read: the benchmarks
 * post thousands of transactions, and reads of accounts are frequent.
 */
const BALANCE_SHEET = new Set(['Asset', 'Liability', 'Equity']);

export function moveAccountBalances(
  company: SimCompany,
  entity: SimEntityName,
  txn: SimRecord,
  direction: 1 | -1,
): void {
  if (!isPostingEntity(entity)) return;
  for (const posting of postingsOf(company, entity, txn)) {
    const account = company.find('Account', posting.accountId);
    if (!account || !BALANCE_SHEET.has(String(account.Classification))) continue;
    const foreign = refValue(account.CurrencyRef) !== undefined && refValue(account.CurrencyRef) !== homeOf(company);
    const change = natural(account, foreign ? posting.txnAmount : posting.amount) * direction;
    const balance = money((num(account.CurrentBalance) ?? 0) + change);
    account.CurrentBalance = balance;
    account.CurrentBalanceWithSubAccounts = money((num(account.CurrentBalanceWithSubAccounts) ?? 0) + change);
  }
}

function homeOf(company: SimCompany): string {
  return company.settings.homeCurrency;
}
