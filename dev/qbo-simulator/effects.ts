import type { SimEntityName } from './entities';
import type { SimCompany } from './company';
import { faults } from './fault-bodies';
import { SimFault, asArray, clone, money, num } from './sim-fault';
import type { SimRecord } from './sim-fault';

/**
 * What one transaction does to others, as QBO shows it: a payment lowers the invoice's Balance (or a credit
 * memo's RemainingCredit) and adds a LinkedTxn on it; a deposit adds a `Deposit` LinkedTxn on each payment or
 * sales receipt it carries. Each change bumps the target's SyncToken, as QBO does: a caller holding the old
 * SyncToken gets 5010 and must re-read.
 */
interface Link {
  type: 'Invoice' | 'CreditMemo' | 'Payment' | 'SalesReceipt' | 'RefundReceipt';
  id: string;
  amount: number;
}

function linksOf(entity: SimEntityName, record: SimRecord): Link[] {
  if (entity !== 'Payment' && entity !== 'Deposit') return [];
  const links: Link[] = [];
  for (const line of asArray(record.Line)) {
    for (const link of asArray(line.LinkedTxn)) {
      links.push({ type: String(link.TxnType) as Link['type'], id: String(link.TxnId), amount: num(line.Amount) ?? 0 });
    }
  }
  return links;
}

function linkedTxn(record: SimRecord): Array<Record<string, unknown>> {
  return asArray(record.LinkedTxn);
}

/** Checks every link first, then changes the targets, so a rejected write changes nothing. */
export function applyEffects(company: SimCompany, entity: SimEntityName, record: SimRecord): void {
  const links = linksOf(entity, record);
  const sourceType = entity === 'Payment' ? 'Payment' : 'Deposit';
  const pending = new Map<string, number>();
  for (const link of links) {
    const target = company.find(link.type, link.id);
    if (!target) throw new SimFault(faults.invalidReference('LinkedTxn', link.id));
    if (entity === 'Payment') {
      const key = `${link.type}:${link.id}`;
      const open =
        (pending.get(key) ?? num(link.type === 'Invoice' ? target.Balance : target.RemainingCredit) ?? 0) - link.amount;
      if (money(open) < 0)
        throw new SimFault(faults.businessRule(`The payment is more than the open balance of ${link.type}.`));
      pending.set(key, money(open));
    } else if (linkedTxn(target).some((l) => l.TxnType === 'Deposit' && l.TxnId !== record.Id)) {
      throw new SimFault(faults.businessRule(`${link.type} ${link.id} has already been deposited.`));
    }
  }
  for (const link of links) {
    const target = company.find(link.type, link.id) as SimRecord;
    if (entity === 'Payment' && link.type === 'Invoice') target.Balance = money(Number(target.Balance) - link.amount);
    if (entity === 'Payment' && link.type === 'CreditMemo') {
      target.RemainingCredit = money(Number(target.RemainingCredit) - link.amount);
      target.Balance = target.RemainingCredit;
    }
    if (!linkedTxn(target).some((l) => l.TxnId === record.Id && l.TxnType === sourceType))
      target.LinkedTxn = [...linkedTxn(target), { TxnId: record.Id, TxnType: sourceType }];
    company.touch(target);
  }
}

export function undoEffects(company: SimCompany, entity: SimEntityName, record: SimRecord): void {
  const sourceType = entity === 'Payment' ? 'Payment' : 'Deposit';
  for (const link of linksOf(entity, record)) {
    const target = company.find(link.type, link.id);
    if (!target) continue;
    if (entity === 'Payment' && link.type === 'Invoice') target.Balance = money(Number(target.Balance) + link.amount);
    if (entity === 'Payment' && link.type === 'CreditMemo') {
      target.RemainingCredit = money(Number(target.RemainingCredit) + link.amount);
      target.Balance = target.RemainingCredit;
    }
    target.LinkedTxn = linkedTxn(target).filter((l) => !(l.TxnId === record.Id && l.TxnType === sourceType));
    company.touch(target);
  }
}

/** QBO refuses to void or delete a transaction others still point at (a deposited payment, a paid invoice). */
export function assertRemovable(entity: SimEntityName, record: SimRecord): void {
  const blocking = linkedTxn(record).filter((l) =>
    entity === 'Invoice' || entity === 'CreditMemo' ? l.TxnType === 'Payment' : l.TxnType === 'Deposit',
  );
  if (blocking.length > 0)
    throw new SimFault(
      faults.businessRule(
        `This transaction is linked to ${String(blocking[0]?.TxnType)} ${String(blocking[0]?.TxnId)}.`,
      ),
    );
}

/**
 * fixtures/qbo/invoice-void-response.json: amounts zeroed, lines kept, PrivateNote "Voided" (that invoice had no
 * note). Intuit's void reference says "Voided" is prepended to an existing PrivateNote, not written over it; the
 * separator is not documented, so we use a space.
 */
export function voidedCopy(entity: SimEntityName, existing: SimRecord): SimRecord {
  const record = clone(existing);
  record.Line = asArray(record.Line).map((line) => ({ ...line, Amount: 0 }));
  record.TotalAmt = 0;
  const note = typeof existing.PrivateNote === 'string' ? existing.PrivateNote : '';
  record.PrivateNote = note === '' ? 'Voided' : `Voided ${note}`;
  if ('Balance' in record || entity === 'Invoice') record.Balance = 0;
  if (entity === 'Payment') record.UnappliedAmt = 0;
  if (record.TxnTaxDetail !== undefined) record.TxnTaxDetail = { TotalTax: 0 };
  return record;
}
