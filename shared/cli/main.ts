import { ConfigError } from '../config/config';
import { processIo, UsageError, type CliIo } from './io';

export type Command = (argv: string[], io: CliIo) => Promise<number>;

export interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
}

/**
 * The product's commands. Each loads its module on demand: `preview` must not pay for the stack's dependencies.
 * The local-stack commands (`start`, `demo`) are dev tools: `dev/cli/main.ts` adds them where `dev/` is built.
 */
export const PRODUCT_COMMANDS: Record<string, CommandEntry> = {
  preview: {
    summary:
      'print the QBO plan for one Stripe event: preview --tenant T.json [--balance-transactions L.json] EVENT.json',
    load: async () => {
      const { runPreview } = await import('./commands/preview');
      return (argv, io) => runPreview(argv, io);
    },
  },
  'connect-qbo': {
    summary: 'connect a tenant to its QBO company (OAuth): connect-qbo --tenant ID [--disconnect]',
    load: async () => {
      const { runConnectQbo } = await import('./commands/connect-qbo');
      return (argv, io) => runConnectQbo(argv, io);
    },
  },
  review: {
    summary: 'parked items: review list|approve ID|dismiss ID',
    load: async () => (await import('./commands/ops')).runReview,
  },
  dlq: { summary: 'dead letters: dlq list|redrive', load: async () => (await import('./commands/ops')).runDlq },
  tenant: {
    summary: 'tenants: tenant put FILE|get ID|list|check ID|activate ID',
    load: async () => (await import('./commands/ops')).runTenant,
  },
  backfill: {
    summary: 'backfill start --tenant ID --from DATE --to DATE [--entities …] [--dry-run] | status ID',
    load: async () => (await import('./commands/ops')).runBackfill,
  },
  replay: {
    summary: 'replay [--tenant ID]: republish what webhooks missed',
    load: async () => (await import('./commands/ops')).runReplay,
  },
};

function usage(commands: Record<string, CommandEntry>): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return [
    'usage: stripe-qbo <command> [options]',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** An error whose message is the whole story for a person (a missing emulator, a bad config): no stack trace. */
export class UserFacingError extends Error {
  override name = 'UserFacingError';
}

export async function main(
  argv: string[],
  io: CliIo = processIo(),
  commands: Record<string, CommandEntry> = PRODUCT_COMMANDS,
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage(commands));
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    io.stderr(`unknown command "${name}"\n\n${usage(commands)}`);
    return 2;
  }
  try {
    return await (
      await command.load()
    )(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`${(error as Error).message}\n\n${usage(commands)}`);
      return 2;
    }
    if (error instanceof UserFacingError || error instanceof ConfigError) {
      io.stderr(error.message);
      return 1;
    }
    io.stderr(`stripe-qbo ${name} failed: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
