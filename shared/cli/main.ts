import { ConfigError } from '../config/config';
import { BACKFILL, CONNECT_QBO, DLQ, PREVIEW, REPLAY, REVIEW, TENANT } from './command-specs';
import { helpText, PROGRAM, programHelp, usageHint } from './help';
import { processIo, UsageError, UserFacingError, type CliIo } from './io';
import { isGroup, parseCommand, selectSubcommand, wantsHelp, type CliSpec } from './spec';

export type Command = (argv: string[], io: CliIo) => Promise<number>;

export interface CommandEntry {
  /** What the command accepts: its help, its usage errors and its parser come from here. */
  spec: CliSpec;
  /** The implementation, loaded only to run: help and usage errors never load it. */
  load: () => Promise<Command>;
}

/**
 * The product's commands. Each loads its module on demand: `preview` must not pay for the stack's dependencies.
 * The local-stack commands (`start`, `demo`) are dev tools: `dev/cli/main.ts` adds them where `dev/` is built.
 */
export const PRODUCT_COMMANDS: Record<string, CommandEntry> = {
  preview: { spec: PREVIEW, load: async () => (await import('./commands/preview')).runPreview },
  'connect-qbo': {
    spec: CONNECT_QBO,
    load: async () => {
      const { runConnectQbo } = await import('./commands/connect-qbo');
      return (argv, io) => runConnectQbo(argv, io);
    },
  },
  review: { spec: REVIEW, load: async () => (await import('./commands/ops')).runReview },
  dlq: { spec: DLQ, load: async () => (await import('./commands/ops')).runDlq },
  tenant: { spec: TENANT, load: async () => (await import('./commands/ops')).runTenant },
  backfill: { spec: BACKFILL, load: async () => (await import('./commands/ops')).runBackfill },
  replay: { spec: REPLAY, load: async () => (await import('./commands/ops')).runReplay },
};

/**
 * `stripe-qbo <command> [subcommand] [options]`. Exit 0 on success and for help, 1 when the command failed, 2 for a
 * usage error (unknown command, subcommand or option; a missing argument), which is printed with the usage line.
 * Help and usage errors are settled from the specs alone, before a command module is loaded: no config is read and
 * no store, secret, emulator or network is touched, so they work in a broken environment.
 */
export async function main(
  argv: string[],
  io: CliIo = processIo(),
  commands: Record<string, CommandEntry> = PRODUCT_COMMANDS,
): Promise<number> {
  const specs = Object.values(commands).map((entry) => entry.spec);
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(programHelp(specs));
    return 2;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.stdout(programHelp(specs));
    return 0;
  }
  // `stripe-qbo help review list` is `stripe-qbo review list --help`.
  if (name === 'help') return main([...rest, '--help'], io, commands);
  const entry = commands[name];
  if (!entry) {
    io.stderr(
      `${PROGRAM}: ${name.startsWith('-') ? `unknown option ${name}` : `unknown command "${name}"`}\n\n${programHelp(specs)}`,
    );
    return 2;
  }

  let spec: CliSpec = entry.spec;
  const path = [name];
  try {
    let args = rest;
    if (isGroup(spec)) {
      const first = rest[0];
      const namesSubcommand = first !== undefined && !first.startsWith('-');
      if (!(wantsHelp(rest) && !namesSubcommand)) {
        const selected = selectSubcommand(spec, rest);
        spec = selected.spec;
        path.push(selected.name);
        args = selected.argv;
      }
    }
    if (wantsHelp(args)) {
      io.stdout(helpText(spec, path));
      return 0;
    }
    if (!isGroup(spec)) parseCommand(spec, args);
    return await (
      await entry.load()
    )(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${PROGRAM} ${path.join(' ')}: ${error.message}\n\n${usageHint(spec, path)}`);
      return 2;
    }
    if (error instanceof UserFacingError || error instanceof ConfigError) {
      io.stderr(error.message);
      return 1;
    }
    io.stderr(`${PROGRAM} ${name} failed: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
