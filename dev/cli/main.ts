import { main as productMain, PRODUCT_COMMANDS, type CommandEntry } from '../../shared/cli/main';
import { processIo, type CliIo } from '../../shared/cli/io';
import { DEMO, START } from './command-specs';

/**
 * `stripe-qbo` where the dev tools are built: the product's commands plus the local stack. The deployed functions
 * never load this file (their build has no `dev/`); `bin/stripe-qbo.js` prefers it when it is there.
 */
export const DEV_COMMANDS: Record<string, CommandEntry> = {
  start: { spec: START, load: async () => (await import('./start')).runStart },
  demo: { spec: DEMO, load: async () => (await import('./demo')).runDemo },
};

export function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  return productMain(argv, io, { ...DEV_COMMANDS, ...PRODUCT_COMMANDS });
}
