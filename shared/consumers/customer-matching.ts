import { PermanentError } from '../errors';
import { qboLiteral, type QboObject, type QboWriter } from './qbo-port';

/** The primary email, trimmed and lower-cased, of a QBO customer or a planned one. */
export function emailOf(object: QboObject | Record<string, unknown>): string | undefined {
  const address = (object.PrimaryEmailAddr as { Address?: unknown } | undefined)?.Address;
  return typeof address === 'string' ? address.trim().toLowerCase() : undefined;
}

/** Case, punctuation, whitespace and company suffixes folded (DESIGN section 6). */
export function foldCustomerName(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9 ]+/g, ' ')
    .replace(/\b(inc|llc|ltd|limited|corp|corporation|co|gmbh|plc|incorporated)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Where the matcher looks: QBO queries one by one, or the instance's customer directory (customer-directory.ts).
 * Every lookup answers with active customers only, as QBO's queries do.
 */
export interface CustomerLookup {
  /** Customers whose primary email is `email` (lower-cased). */
  byEmail(email: string): Promise<QboObject[]>;
  /** The customer named exactly `name`, if any (QBO keeps DisplayName unique). */
  byName(name: string): Promise<QboObject[]>;
  /** Customers whose folded name is `folded` (`firstWord` is its first word, three letters or more). */
  byFoldedName(folded: string, firstWord: string): Promise<QboObject[]>;
}

/** The lookup by QBO query: up to three requests per new customer. */
export function queryLookup(qbo: QboWriter): CustomerLookup {
  return {
    byEmail: (email) => qbo.query(`SELECT * FROM Customer WHERE PrimaryEmailAddr = ${qboLiteral(email)}`),
    byName: (name) => qbo.query(`SELECT * FROM Customer WHERE DisplayName = ${qboLiteral(name)}`),
    byFoldedName: async (folded, firstWord) => {
      const similar = await qbo.query(
        `SELECT * FROM Customer WHERE DisplayName LIKE ${qboLiteral(`%${firstWord}%`)} MAXRESULTS 100`,
      );
      return similar.filter((candidate) => foldCustomerName(String(candidate.DisplayName ?? '')) === folded);
    },
  };
}

/**
 * Finds the QBO customer a Stripe customer already is, before we create one (DESIGN section 6):
 * same email → link; same DisplayName and no conflicting email → link; a different customer holding the name →
 * suffix ours with the Stripe id (QBO keeps DisplayName unique across all name lists); a name that folds to the same
 * words but is not the same → a person decides (near match → review).
 */
export function customerMatcher(lookup: CustomerLookup, body: Record<string, unknown>, stripeId: string) {
  return async (): Promise<QboObject | undefined> => {
    const email = emailOf(body);
    const name = typeof body.DisplayName === 'string' ? body.DisplayName : undefined;
    if (email) {
      const byEmail = await lookup.byEmail(email);
      if (byEmail.length === 1) return byEmail[0];
      if (byEmail.length > 1)
        throw new PermanentError('several QBO customers share this email', {
          code: 'customer_ambiguous',
          detail: `qboIds=${byEmail.map((c) => String(c.Id)).join(',')}`,
        });
    }
    if (!name) return undefined;
    const same = (await lookup.byName(name))[0];
    if (same) {
      const theirs = emailOf(same);
      if (!email || !theirs || theirs === email) return same;
      body.DisplayName = `${name} (${stripeId})`.slice(0, 500);
      return undefined;
    }
    const folded = foldCustomerName(name);
    const firstWord = folded.split(' ')[0];
    if (firstWord && firstWord.length >= 3) {
      const near = (await lookup.byFoldedName(folded, firstWord))[0];
      if (near)
        throw new PermanentError('a QBO customer with a near-identical name exists', {
          code: 'customer_near_match',
          detail: `qboId=${String(near.Id)}`,
        });
    }
    return undefined;
  };
}
