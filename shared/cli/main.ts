import { ConfigError } from '../config/config';
import { EmulatorMissingError } from '../local-stack/emulators';
import { processIo, UsageError, type CliIo } from './io';

type Command = (argv: string[], io: CliIo) => Promise<number>;

/** Each command loads its module on demand: `preview` must not pay for the stack's dependencies. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  start: {
    summary: 'run the local stack (webhook on :8080, emulator, simulator, DuckDB)',
    load: async () => (await import('./commands/start')).runStart,
  },
  demo: {
    summary: 'start the stack, send the demo scenario, print what landed and whether payouts tie out',
    load: async () => (await import('./commands/demo')).runDemo,
  },
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

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'usage: stripe-qbo <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await (
      await command.load()
    )(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`${(error as Error).message}\n\n${usage()}`);
      return 2;
    }
    if (error instanceof EmulatorMissingError || error instanceof ConfigError) {
      io.stderr(error.message);
      return 1;
    }
    io.stderr(`stripe-qbo ${name} failed: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
