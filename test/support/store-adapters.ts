import { randomUUID } from 'node:crypto';
import { Firestore } from '@google-cloud/firestore';
import { openDuckDbStores } from '../../shared/stores/duckdb';
import { createFirestoreStores } from '../../shared/stores/firestore';
import type { Stores } from '../../shared/stores/ports';

/**
 * Both store adapters (DESIGN section 4), each opening a fresh, empty store: the embedded DuckDB store in memory,
 * and Firestore on its emulator under a project of its own (`<projectPrefix>-<random>`), for `describe.each`.
 */
export function storeAdapters(projectPrefix: string): Array<[string, () => Promise<Stores>]> {
  return [
    ['duckdb', () => openDuckDbStores(':memory:')],
    [
      'firestore',
      async () => {
        if (!process.env.FIRESTORE_EMULATOR_HOST)
          throw new Error('FIRESTORE_EMULATOR_HOST is not set (see test/support/global-setup.ts)');
        return createFirestoreStores(new Firestore({ projectId: `${projectPrefix}-${randomUUID().slice(0, 8)}` }));
      },
    ],
  ];
}
