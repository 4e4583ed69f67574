import type { ExpectedQboObject } from './scenario';

/** The simulator's view of one entity in one realm: what its `/__sim/entities` control endpoint answers. */
export interface SimulatorEntities {
  entities(realmId: string, entity: string): Promise<Array<Record<string, unknown>>>;
}

/** Every entity the planner writes: a duplicate of any of them counts, even those no scenario expects. */
export const CHECKED_QBO_ENTITIES = [
  'Customer',
  'Invoice',
  'Payment',
  'RefundReceipt',
  'CreditMemo',
  'Deposit',
  'SalesReceipt',
  'JournalEntry',
  'Transfer',
];

export interface QboCheck {
  duplicates: number;
  missing: number;
  pennyMismatches: number;
  /** The Stripe ids whose QBO object is missing (the bench looks for each in the review queue and the dead letters). */
  missingStripeIds: string[];
  /** Up to 20 examples of each problem, for the report. */
  examples: string[];
}

/** Anywhere in the note: QBO prepends "Voided" to a voided document's PrivateNote. */
const MARKER = /(?:^|\s)stripe:(\S+)/;

/** Where our marker lives: a QBO Customer has Notes and no PrivateNote (DESIGN section 5). */
function markerNote(entity: string, object: Record<string, unknown>): string {
  return String((entity === 'Customer' ? object.Notes : object.PrivateNote) ?? '');
}

/** The simulator's final state against what the Stripe history should have left there. */
export async function checkQbo(
  sim: SimulatorEntities,
  realmId: string,
  expected: readonly ExpectedQboObject[],
): Promise<QboCheck> {
  const found = new Map<string, Array<Record<string, unknown>>>();
  for (const entity of CHECKED_QBO_ENTITIES)
    for (const object of await sim.entities(realmId, entity)) {
      const stripeId = MARKER.exec(markerNote(entity, object))?.[1];
      if (!stripeId) continue;
      const key = `${entity}:${stripeId}`;
      found.set(key, [...(found.get(key) ?? []), object]);
    }
  const result: QboCheck = { duplicates: 0, missing: 0, pennyMismatches: 0, missingStripeIds: [], examples: [] };
  const example = (text: string) => {
    if (result.examples.length < 60) result.examples.push(text);
  };
  for (const [key, objects] of found)
    if (objects.length > 1) {
      result.duplicates += objects.length - 1;
      example(`duplicate ${key} ×${objects.length}`);
    }
  for (const item of expected) {
    const objects = found.get(`${item.qboEntity}:${item.stripeId}`) ?? [];
    if (objects.length === 0) {
      result.missing += 1;
      result.missingStripeIds.push(item.stripeId);
      example(`missing ${item.qboEntity} for ${item.stripeId}`);
      continue;
    }
    if (item.amountMinor === undefined) continue;
    const total = Number(objects[0]!.TotalAmt ?? objects[0]!.Amount);
    if (Math.round(total * 100) !== item.amountMinor) {
      result.pennyMismatches += 1;
      example(`penny ${item.qboEntity} ${item.stripeId}: QBO ${total}, Stripe ${item.amountMinor / 100}`);
    }
  }
  return result;
}
