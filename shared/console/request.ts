import type { Stores } from '../stores/ports';
import type { Viewer } from './auth/access';
import type { HistoryReader } from './history/reader';
import type { ConsoleWindows } from './load';

/** What every console request carries (set by the app's middleware), and the checks its inputs go through. */
export type ConsoleEnv = { Variables: { viewer: Viewer; csrf: string; nonce: string } };

/** The reads the pages need. */
export interface ConsoleReadDeps {
  stores: Pick<Stores, 'tenants' | 'reviewQueue' | 'syncState'>;
  history: HistoryReader;
  now: () => Date;
  windows: ConsoleWindows;
}

export const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const TENANT = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const DAY_MS = 86_400_000;

/** A query or form value kept only when it is a plain word (ids, reasons, outcomes): never echoed otherwise. */
export const word = (value: string | undefined, pattern = /^[a-z0-9_.:-]{1,100}$/i) =>
  value && pattern.test(value) ? value : undefined;
