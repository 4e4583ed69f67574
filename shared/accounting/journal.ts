import { minorToQboAmount } from './money';
import type { QboRef } from './operation';

/**
 * One side of a journal entry in integer minor units: positive debits the account, negative credits it. Recipes
 * think in signed amounts (money into the Stripe balance is positive); QBO wants every line amount ≥ 0 with a
 * PostingType, so the sides are decided here, once.
 */
export interface Posting {
  account: { value: string } | QboRef;
  amount: number;
  description: string;
}

export class UnbalancedJournal extends Error {
  constructor(readonly imbalance: number) {
    super(`journal entry is off by ${imbalance} minor units`);
    this.name = 'UnbalancedJournal';
  }
}

/** QBO JournalEntry lines: zero postings dropped, each amount ≥ 0 on its side. Throws when debits ≠ credits. */
export function journalLines(currency: string, postings: readonly Posting[]): Record<string, unknown>[] {
  const imbalance = postings.reduce((sum, posting) => sum + posting.amount, 0);
  // A recipe bug, never a business case: every recipe builds its postings from amounts that sum to zero.
  if (imbalance !== 0) throw new UnbalancedJournal(imbalance);
  return postings
    .filter((posting) => posting.amount !== 0)
    .map((posting) => ({
      DetailType: 'JournalEntryLineDetail',
      Amount: minorToQboAmount(Math.abs(posting.amount), currency),
      Description: posting.description,
      JournalEntryLineDetail: { PostingType: posting.amount > 0 ? 'Debit' : 'Credit', AccountRef: posting.account },
    }));
}

/** What QBO reports as a JournalEntry's TotalAmt: the sum of its debits. */
export function journalTotal(postings: readonly Posting[]): number {
  return postings.reduce((sum, posting) => sum + Math.max(posting.amount, 0), 0);
}
