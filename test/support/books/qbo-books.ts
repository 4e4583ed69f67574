import { currencyExponent } from '../../../shared/accounting/money';

/**
 * A double-entry model of what QBO books for each entity we write (test support for the books property test,
 * never product code). Every document turns into postings (signed: + debit, − credit) on accounts, in its own
 * currency and in home currency; A/R postings carry the customer. It refuses what QBO refuses (a negative deposit, a
 * negative or unbalanced journal line, a payment linking more than a document's open balance) and records what QBO
 * would do differently from the plan (tax it would compute, a total it would disagree with) as violations.
 */
export interface Posting {
  account: string;
  customer?: string;
  currency: string;
  /** Minor units of the document's currency. */
  amount: number;
  /** Minor units of the home currency. */
  home: number;
}

export interface BooksSetup {
  homeCurrency: string;
  multicurrency: boolean;
  regime: 'us' | 'vat';
  /** The income (or liability) account of a QBO item. */
  itemAccount(itemId: string): string;
  /** QBO's own rate for a document that carries no ExchangeRate. */
  qboRate(currency: string): number;
  /** Where a VAT company's TxnTaxDetail tax goes. */
  taxPayable: string;
}

export const AR = 'accounts-receivable';
/** QBO's own "Exchange Gain or Loss" account: realized differences between an invoice's rate and its payment's. */
export const QBO_FX = 'qbo-exchange-gain-loss';

interface Document {
  entity: string;
  currency: string;
  rate: number;
  postings: Posting[];
  customer: string | undefined;
  total: number;
  /** Invoices: what is still owed; CreditMemos: credit not yet applied; Payments: what they applied. */
  open: number;
  applied: { id: string; amount: number }[];
  removed: boolean;
}

type Body = Record<string, unknown>;
type Line = Record<string, unknown>;

const toMinor = (amount: unknown, currency: string): number =>
  Math.round(Number(amount) * 10 ** currencyExponent(currency));
const refValue = (value: unknown): string => String((value as { value?: unknown } | undefined)?.value);

export class QboRejection extends Error {}

export class QboBooks {
  readonly violations: string[] = [];
  private readonly documents = new Map<string, Document>();
  private nextId = 1;

  constructor(private readonly setup: BooksSetup) {}

  /** QBO's home amount: half away from zero at the rate, in the home currency's minor unit. */
  private toHome(amount: number, currency: string, rate: number): number {
    const shift = currencyExponent(this.setup.homeCurrency) - currencyExponent(currency);
    const exact = Math.abs(amount) * rate * 10 ** shift;
    // The rate has at most 6–7 significant decimals: nudge exact halves past float error before rounding.
    return Math.sign(amount) * Math.round(exact + 1e-7);
  }

  private rateOf(body: Body, currency: string): number {
    if (currency === this.setup.homeCurrency) return 1;
    return typeof body.ExchangeRate === 'number' ? body.ExchangeRate : this.setup.qboRate(currency);
  }

  private reject(message: string): never {
    throw new QboRejection(message);
  }

  create(entity: string, body: Body, currency: string, expectedTotal: string | undefined, label: string): string {
    const rate = this.rateOf(body, currency);
    const document = this.book(entity, body, currency, rate, label);
    if (expectedTotal !== undefined && document.total !== toMinor(expectedTotal, currency))
      this.violations.push(`${label}: QBO totals ${document.total}, the plan expected ${expectedTotal}`);
    const id = String(this.nextId++);
    this.documents.set(id, document);
    return id;
  }

  private book(entity: string, body: Body, currency: string, rate: number, label: string): Document {
    const home = (amount: number) => this.toHome(amount, currency, rate);
    const posting = (account: string, amount: number, customer?: string): Posting => ({
      account,
      currency,
      amount,
      home: home(amount),
      ...(customer === undefined ? {} : { customer }),
    });
    const document: Document = {
      entity,
      currency,
      rate,
      postings: [],
      customer: body.CustomerRef === undefined ? undefined : refValue(body.CustomerRef),
      total: 0,
      open: 0,
      applied: [],
      removed: false,
    };
    // QBO converts the total (HomeTotalAmt = TotalAmt × ExchangeRate) for the bank or A/R side and each line on its
    // own; the few cents of rounding between the two land on its exchange gain or loss account.
    const balanceWith = (account: string, customer?: string) => {
      const rest = document.postings.reduce((sum, p) => sum + p.amount, 0);
      const restHome = document.postings.reduce((sum, p) => sum + p.home, 0);
      const counterHome = -home(rest);
      document.postings.push({
        account,
        currency,
        amount: -rest,
        home: counterHome,
        ...(customer ? { customer } : {}),
      });
      if (restHome + counterHome !== 0)
        document.postings.push({ account: QBO_FX, currency, amount: 0, home: -(restHome + counterHome) });
    };
    switch (entity) {
      case 'Invoice':
      case 'SalesReceipt':
      case 'RefundReceipt':
      case 'CreditMemo': {
        const sale = entity === 'Invoice' || entity === 'SalesReceipt' ? 1 : -1;
        document.total = this.salesPostings(body, currency, label).reduce((sum, [account, amount]) => {
          document.postings.push(posting(account, -sale * amount));
          return sum + amount;
        }, 0);
        if (entity === 'Invoice' || entity === 'CreditMemo') {
          if (document.customer === undefined) this.reject(`${label}: ${entity} without CustomerRef`);
          balanceWith(AR, document.customer);
          document.open = document.total;
        } else balanceWith(refValue(body.DepositToAccountRef));
        if (document.total < 0) this.reject(`${label}: a ${entity} cannot total below zero`);
        return document;
      }
      case 'Payment':
        return this.payment(body, document, label, posting);
      case 'Deposit': {
        for (const line of (body.Line ?? []) as Line[]) {
          const detail = line.DepositLineDetail as { AccountRef: unknown };
          document.postings.push(posting(refValue(detail.AccountRef), -toMinor(line.Amount, currency)));
        }
        balanceWith(refValue(body.DepositToAccountRef));
        document.total = -document.postings.slice(0, -1).reduce((sum, p) => sum + p.amount, 0);
        if (document.total < 0) this.reject(`${label}: QBO refuses a Deposit totalling ${document.total}`);
        return document;
      }
      case 'JournalEntry': {
        for (const line of (body.Line ?? []) as Line[]) {
          const detail = line.JournalEntryLineDetail as { PostingType: string; AccountRef: unknown };
          const amount = toMinor(line.Amount, currency);
          if (amount < 0) this.reject(`${label}: journal line with a negative amount ${amount}`);
          document.postings.push(
            posting(refValue(detail.AccountRef), detail.PostingType === 'Debit' ? amount : -amount),
          );
          if (detail.PostingType === 'Debit') document.total += amount;
        }
        const imbalance = document.postings.reduce((sum, p) => sum + p.amount, 0);
        if (imbalance !== 0) this.reject(`${label}: journal entry off by ${imbalance}`);
        // A home-currency journal balances in home too; a foreign one is converted line by line (none here).
        return document;
      }
      case 'Transfer': {
        const amount = toMinor(body.Amount, currency);
        if (amount <= 0) this.reject(`${label}: Transfer amount ${amount}`);
        document.postings.push(
          posting(refValue(body.ToAccountRef), amount),
          posting(refValue(body.FromAccountRef), -amount),
        );
        document.total = amount;
        return document;
      }
      default:
        return this.reject(`${label}: the model does not book ${entity}`);
    }
  }

  /** [account, amount] of a sales document's lines, amounts as the document adds them up. */
  private salesPostings(body: Body, currency: string, label: string): [string, number][] {
    const postings: [string, number][] = [];
    const taxDetail = body.TxnTaxDetail as { TotalTax?: number } | undefined;
    for (const line of (body.Line ?? []) as Line[]) {
      if (line.DetailType === 'DiscountLineDetail') {
        const detail = line.DiscountLineDetail as { DiscountAccountRef: unknown };
        postings.push([refValue(detail.DiscountAccountRef), -toMinor(line.Amount, currency)]);
        continue;
      }
      const detail = line.SalesItemLineDetail as { ItemRef: unknown; TaxCodeRef?: unknown };
      const code = detail.TaxCodeRef === undefined ? undefined : refValue(detail.TaxCodeRef);
      if (this.setup.regime === 'us' && code !== 'NON')
        this.violations.push(`${label}: a US line without TaxCodeRef NON lets QBO compute tax on it`);
      if (this.setup.regime === 'vat' && code === undefined)
        this.reject(`${label}: a VAT company needs a TaxCodeRef on every line`);
      postings.push([this.setup.itemAccount(refValue(detail.ItemRef)), toMinor(line.Amount, currency)]);
    }
    if (taxDetail === undefined) {
      if (this.setup.regime === 'us') this.violations.push(`${label}: no TxnTaxDetail, QBO may compute tax`);
    } else if (this.setup.regime === 'vat' && taxDetail.TotalTax !== 0)
      postings.push([this.setup.taxPayable, toMinor(taxDetail.TotalTax, currency)]);
    else if (this.setup.regime === 'us' && taxDetail.TotalTax !== 0)
      this.violations.push(`${label}: a US document with TxnTaxDetail tax`);
    return postings;
  }

  private payment(
    body: Body,
    document: Document,
    label: string,
    posting: (account: string, amount: number, customer?: string) => Posting,
  ): Document {
    const { currency } = document;
    const customer = document.customer;
    if (customer === undefined) this.reject(`${label}: Payment without CustomerRef`);
    const total = toMinor(body.TotalAmt, currency);
    if (total < 0) this.reject(`${label}: negative Payment`);
    document.total = total;
    if (total > 0) document.postings.push(posting(refValue(body.DepositToAccountRef), total));
    let unapplied = total;
    for (const line of (body.Line ?? []) as Line[]) {
      const amount = toMinor(line.Amount, currency);
      for (const link of (line.LinkedTxn ?? []) as { TxnId: string; TxnType: string }[]) {
        const target = this.documents.get(String(link.TxnId));
        if (target === undefined || target.removed)
          this.reject(`${label}: links ${link.TxnType} ${link.TxnId} that is not there`);
        if (target.entity !== link.TxnType)
          this.reject(`${label}: ${link.TxnId} is a ${target.entity}, not a ${link.TxnType}`);
        if (target.customer !== customer) this.reject(`${label}: links another customer's ${link.TxnType}`);
        if (amount > target.open) this.reject(`${label}: links ${amount} to a ${link.TxnType} open for ${target.open}`);
        target.open -= amount;
        document.applied.push({ id: String(link.TxnId), amount });
        const sign = link.TxnType === 'Invoice' ? -1 : 1;
        unapplied += sign * amount;
        document.postings.push({
          account: AR,
          customer,
          currency,
          amount: sign * amount,
          home: this.toHome(sign * amount, currency, target.rate),
        });
      }
    }
    if (unapplied < 0) this.reject(`${label}: links ${total - unapplied} with a TotalAmt of ${total}`);
    document.open = unapplied;
    if (unapplied > 0) document.postings.push(posting(AR, -unapplied, customer));
    const restHome = document.postings.reduce((sum, p) => sum + p.home, 0);
    if (restHome !== 0) document.postings.push({ account: QBO_FX, currency, amount: 0, home: -restHome });
    return document;
  }

  /** void (Invoice) or delete (CreditMemo, Payment): the document's postings go; a payment's applications too. */
  remove(id: string, operation: 'void' | 'delete', label: string): void {
    const document = this.documents.get(id);
    if (document === undefined || document.removed) this.reject(`${label}: nothing to ${operation}`);
    if ((document.entity === 'Invoice' || document.entity === 'CreditMemo') && document.open !== document.total)
      this.reject(`${label}: QBO will not ${operation} a ${document.entity} with something applied`);
    for (const { id: applied, amount } of document.applied) {
      const target = this.documents.get(applied);
      if (target !== undefined) target.open += amount;
    }
    document.removed = true;
  }

  customerOf(id: string): string | undefined {
    return this.documents.get(id)?.customer;
  }

  private live(): Posting[] {
    return [...this.documents.values()].filter((d) => !d.removed).flatMap((d) => d.postings);
  }

  /** Home-currency balance of an account (debit positive). */
  balance(account: string): number {
    return this.live()
      .filter((p) => p.account === account)
      .reduce((sum, p) => sum + p.home, 0);
  }

  /** Balance in the postings' own currency, per currency. */
  balanceIn(account: string): Map<string, number> {
    const byCurrency = new Map<string, number>();
    for (const p of this.live())
      if (p.account === account) byCurrency.set(p.currency, (byCurrency.get(p.currency) ?? 0) + p.amount);
    return byCurrency;
  }

  /** Open balances per "customer CURRENCY" of the live documents of some entities. */
  private openOf(entities: readonly string[]): Map<string, number> {
    const byCustomer = new Map<string, number>();
    for (const document of this.documents.values())
      if (!document.removed && entities.includes(document.entity) && document.open !== 0) {
        const key = `${document.customer ?? '?'} ${document.currency}`;
        byCustomer.set(key, (byCustomer.get(key) ?? 0) + document.open);
      }
    return byCustomer;
  }

  /** What each customer's invoices still owe, as QBO shows it on the invoices themselves. */
  openInvoices(): Map<string, number> {
    return this.openOf(['Invoice']);
  }

  /** Each customer's credit not applied to any invoice: open credit memos and unapplied payments. */
  openCredits(): Map<string, number> {
    return this.openOf(['CreditMemo', 'Payment']);
  }

  /** A/R per customer and currency, in the documents' currency. */
  receivables(): Map<string, number> {
    const byCustomer = new Map<string, number>();
    for (const p of this.live())
      if (p.account === AR) {
        const key = `${p.customer ?? '?'} ${p.currency}`;
        byCustomer.set(key, (byCustomer.get(key) ?? 0) + p.amount);
      }
    return new Map([...byCustomer].filter(([, amount]) => amount !== 0));
  }
}
