/** The QBO adapter: client, faults, tokens, simulator. Import from here rather than from the files. */
export * from './entities';
export * from './faults';
export * from './client/qbo-client';
export * from './client/rate-limiter';
export * from './auth/intuit-oauth-client';
export * from './auth/refresh-lease';
export * from './auth/token-provider';
export { startQboSimulator, DEMO_COMPANY, DEMO_REALM_ID, DEMO_ACCOUNT_IDS, DEMO_ITEM_IDS } from './simulator/server';
export type {
  QboSimulator,
  QboSimulatorOptions,
  QboSimulatorStats,
  InjectedFault,
  FaultKind,
  SeedCompany,
  IssuedTokens,
} from './simulator/server';
