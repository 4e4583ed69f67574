import type { SimCompany } from './company';
import { currencyRef, exchangeRateOf } from './company-modes';
import { faults } from './fault-bodies';
import { SimFault, money, num, refValue } from './sim-fault';
import type { SimRecord } from './sim-fault';

/**
 * Currencies, as QBO's multicurrency works (QBO help, "About multicurrency": "You can assign a currency to most types
 * of accounts: customers, vendors, bank, credit card, accounts receivable, and accounts payable. Income and expense
 * accounts always use your home currency … You can only assign one currency to each account or contact name").
 *
 * - Without multicurrency only the home currency exists: a CurrencyRef naming another is refused (6000; the wording
 *   is ours, no capture was found).
 * - With it, a transaction is in one currency: the CurrencyRef sent, else its customer's. Its customer must be in that
 *   currency (6000 "Transactions can have only one foreign currency at a time", the QBO sync error bill.com's help
 *   centre quotes for a name whose currency differs from its transaction's), and every balance-sheet account it
 *   posts to must be in the home currency or that currency (6000 "The currency of the account must be either in home
 *   currency or the transaction currency.", the QBO error Connex's and Webgility's help centres quote).
 * - A foreign-currency transaction carries ExchangeRate (home units per foreign unit: the rate sent, else the
 *   company's rate table) and HomeTotalAmt = TotalAmt × ExchangeRate (Intuit's entity reference: "Total amount of the
 *   transaction in the home currency … Applicable if multicurrency is enabled"); a home-currency one ExchangeRate 1.
 */
const SINGLE_FOREIGN = 'Transactions can have only one foreign currency at a time';
const ACCOUNT_CURRENCY = 'The currency of the account must be either in home currency or the transaction currency.';

function currencyOfRecord(company: SimCompany, record: SimRecord | undefined): string {
  return refValue(record?.CurrencyRef) ?? company.settings.homeCurrency;
}

export function assertKnownCurrency(company: SimCompany, currency: string): void {
  if (currency !== company.settings.homeCurrency && !company.settings.multicurrency)
    throw new SimFault(
      faults.businessRule(`Multicurrency is not enabled for this company: ${currency} cannot be used.`),
    );
}

export interface TxnCurrency {
  code: string;
  /** Home units per unit of `code`; undefined in a single-currency company, which carries no ExchangeRate. */
  rate: number | undefined;
}

/** The transaction's currency, checked against its customer (if any) and the accounts it posts to. */
export function transactionCurrency(
  company: SimCompany,
  draft: Record<string, unknown>,
  parties: { customer?: SimRecord | undefined; accounts?: Array<SimRecord | undefined>; linked?: SimRecord[] },
): TxnCurrency {
  const home = company.settings.homeCurrency;
  const { customer, accounts = [], linked = [] } = parties;
  // Unsent, the currency is the customer's; a transaction with no customer (a deposit, a transfer) takes the
  // currency of the first account it names.
  const implied = customer ?? accounts.find((a) => a !== undefined);
  const code = refValue(draft.CurrencyRef) ?? (implied ? currencyOfRecord(company, implied) : home);
  assertKnownCurrency(company, code);
  if (!company.settings.multicurrency) return { code, rate: undefined };
  for (const party of [customer, ...linked])
    if (party && currencyOfRecord(company, party) !== code) throw new SimFault(faults.businessRule(SINGLE_FOREIGN));
  for (const account of accounts) {
    if (!account) continue;
    const accountCurrency = currencyOfRecord(company, account);
    if (accountCurrency !== home && accountCurrency !== code) throw new SimFault(faults.businessRule(ACCOUNT_CURRENCY));
  }
  if (code === home) return { code, rate: 1 };
  const sent = num(draft.ExchangeRate);
  const rate = sent ?? exchangeRateOf(company.settings, code);
  if (rate === undefined || rate <= 0) throw new SimFault(faults.requiredParam('ExchangeRate'));
  return { code, rate };
}

/** The currency fields QBO returns on a transaction of `totalAmt` (none in a single-currency company). */
export function currencyFields(currency: TxnCurrency, totalAmt: number): Record<string, unknown> {
  const fields: Record<string, unknown> = { CurrencyRef: currencyRef(currency.code) };
  if (currency.rate === undefined) return fields;
  fields.ExchangeRate = currency.rate;
  if (currency.rate !== 1) fields.HomeTotalAmt = money(totalAmt * currency.rate);
  return fields;
}

/**
 * A new account's currency: the home currency unless multicurrency is on and the account is a kind that may hold
 * another (income and expense accounts, QBO help says, always use the home currency).
 */
export function accountCurrency(company: SimCompany, draft: Record<string, unknown>, classification: string): string {
  const code = refValue(draft.CurrencyRef) ?? company.settings.homeCurrency;
  assertKnownCurrency(company, code);
  if (code !== company.settings.homeCurrency && (classification === 'Revenue' || classification === 'Expense'))
    throw new SimFault(faults.businessRule(`${classification} accounts always use the home currency.`));
  return code;
}
