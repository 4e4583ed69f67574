import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_COMMANDS } from '../../../dev/cli/main';
import { freePort } from '../../../dev/local-stack/emulators';
import type { CliIo } from '../../../shared/cli/io';
import { main, PRODUCT_COMMANDS, type CommandEntry } from '../../../shared/cli/main';
import { isGroup } from '../../../shared/cli/spec';

const ROOT = join(__dirname, '..', '..', '..');

/** The commands and subcommands README.md's CLI table lists (issue #13); the specs must hold exactly these. */
const README_COMMANDS = [
  'start',
  'demo',
  'preview',
  'review list',
  'review approve',
  'review dismiss',
  'review retry',
  'dlq list',
  'dlq redrive',
  'tenant put',
  'tenant get',
  'tenant list',
  'tenant check',
  'tenant activate',
  'connect-qbo',
  'backfill start',
  'backfill status',
  'replay',
];
const GROUPS = ['review', 'dlq', 'tenant', 'backfill'];

const ALL_COMMANDS: Record<string, CommandEntry> = { ...DEV_COMMANDS, ...PRODUCT_COMMANDS };

function commandPaths(commands: Record<string, CommandEntry>): string[] {
  return Object.values(commands).flatMap(({ spec }) =>
    isGroup(spec) ? spec.subcommands.map((sub) => `${spec.name} ${sub.name}`) : [spec.name],
  );
}

/**
 * A deliberately broken environment: config that cannot parse, an emulator on a closed port, a DuckDB file in a
 * folder that does not exist, and a `.local/stack.json` naming a live process whose ops endpoint is closed. Help and
 * usage errors must not notice any of it: the env records every key read, fetch and readFile record every call, and
 * each command's load() records whether its implementation was even loaded.
 */
interface Harness {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
  envReads: string[];
  loads: string[];
  commands: Record<string, CommandEntry>;
  cwd: string;
  missingDir: string;
  run(argv: string[]): Promise<number>;
}

let closedPort: number;
let fetchSpy: jest.SpyInstance;
const cleanup: string[] = [];

beforeAll(async () => {
  closedPort = await freePort();
});
beforeEach(() => {
  fetchSpy = jest.spyOn(globalThis, 'fetch');
});
afterEach(() => fetchSpy.mockRestore());
afterAll(async () => {
  await Promise.all(cleanup.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function brokenEnvironment(): Promise<Harness> {
  const cwd = await mkdtemp(join(tmpdir(), 'stripe-qbo-cli-'));
  cleanup.push(cwd);
  await mkdir(join(cwd, '.local'));
  await writeFile(
    join(cwd, '.local', 'stack.json'),
    JSON.stringify({
      ops: `http://127.0.0.1:${closedPort}/`,
      pid: process.pid,
      pubsubEmulator: `127.0.0.1:${closedPort}`,
    }),
  );
  const missingDir = join(cwd, 'no', 'such', 'dir');
  const env: NodeJS.ProcessEnv = {
    STORE: 'bogus',
    SECRETS: 'bogus',
    LOG_LEVEL: 'loud',
    QBO_BASE_URL: 'ftp://nowhere',
    PUBSUB_EMULATOR_HOST: `127.0.0.1:${closedPort}`,
    FIRESTORE_EMULATOR_HOST: `127.0.0.1:${closedPort}`,
    DUCKDB_PATH: join(missingDir, 'stripe-qbo.duckdb'),
    SECRETS_DIR: join(missingDir, 'secrets'),
  };
  const envReads: string[] = [];
  const recordingEnv = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') envReads.push(key);
      return Reflect.get(target, key);
    },
    has(target, key) {
      if (typeof key === 'string') envReads.push(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      envReads.push('(all keys)');
      return Reflect.ownKeys(target);
    },
  });
  let stdout = '';
  let stderr = '';
  const loads: string[] = [];
  const commands = Object.fromEntries(
    Object.entries(ALL_COMMANDS).map(([name, entry]) => [
      name,
      {
        spec: entry.spec,
        load: () => {
          loads.push(name);
          return entry.load();
        },
      },
    ]),
  );
  const io: CliIo = {
    stdout: (text) => (stdout += `${text}\n`),
    stderr: (text) => (stderr += `${text}\n`),
    readFile: async (path) => {
      throw new Error(`read ${path}`);
    },
    env: recordingEnv,
    cwd,
  };
  return {
    io,
    stdout: () => stdout,
    stderr: () => stderr,
    envReads,
    loads,
    commands,
    cwd,
    missingDir,
    run: (argv) => main(argv, io, commands),
  };
}

async function expectUntouched(harness: Harness): Promise<void> {
  expect(harness.loads).toEqual([]);
  expect(harness.envReads).toEqual([]);
  expect(fetchSpy).not.toHaveBeenCalled();
  expect(await readdir(harness.cwd)).toEqual(['.local']);
  expect(await readdir(join(harness.cwd, '.local'))).toEqual(['stack.json']);
}

describe('the commands', () => {
  it('are exactly those the README lists', () => {
    expect(commandPaths(ALL_COMMANDS).sort()).toEqual([...README_COMMANDS].sort());
  });

  it('each appear in the README CLI table', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## CLI'), readme.indexOf('## Configuration'));
    const rows = section.split('\n').filter((line) => line.startsWith('| `stripe-qbo '));
    for (const path of README_COMMANDS) {
      const [command, sub] = path.split(' ');
      const documented = rows
        .filter((row) => row.startsWith(`| \`stripe-qbo ${command} `) || row.startsWith(`| \`stripe-qbo ${command}\``))
        .some((row) => sub === undefined || new RegExp(`\\b${sub}\\b`).test(row));
      expect({ path, documented }).toEqual({ path, documented: true });
    }
  });
});

describe('--help', () => {
  it.each(README_COMMANDS.map((path) => [path]))(
    '`%s --help` prints usage, options and examples, exit 0, touching nothing',
    async (path) => {
      const harness = await brokenEnvironment();
      const words = path.split(' ');
      expect(await harness.run([...words, '--help'])).toBe(0);
      const help = harness.stdout();
      expect(help).toMatch(new RegExp(`^usage: stripe-qbo ${path}\\b`));
      expect(help).toContain('-h, --help');
      expect(help).toMatch(new RegExp(`\\nexamples:\\n  stripe-qbo ${path}\\b`));
      expect(harness.stderr()).toBe('');
      // Every option the parser accepts is in the help: both come from the same spec.
      const spec = ALL_COMMANDS[words[0]!]!.spec;
      const leaf = isGroup(spec) ? spec.subcommands.find((sub) => sub.name === words[1])! : spec;
      for (const option of Object.keys(leaf.options ?? {})) expect(help).toContain(`--${option}`);
      for (const positional of leaf.positionals ?? []) expect(help).toContain(positional.name);
      await expectUntouched(harness);
    },
  );

  it.each(GROUPS.map((group) => [group]))('`%s --help` lists its subcommands with examples', async (group) => {
    const harness = await brokenEnvironment();
    expect(await harness.run([group, '--help'])).toBe(0);
    const spec = ALL_COMMANDS[group]!.spec;
    if (!isGroup(spec)) throw new Error(`${group} is not a group`);
    expect(harness.stdout()).toMatch(new RegExp(`^usage: stripe-qbo ${group} <subcommand>`));
    for (const sub of spec.subcommands) expect(harness.stdout()).toMatch(new RegExp(`\\n  ${sub.name} +\\S`));
    expect(harness.stdout()).toContain(`examples:\n  stripe-qbo ${group} `);
    await expectUntouched(harness);
  });

  it.each([
    [['review', 'list', '-h']],
    [['backfill', 'start', '--tenant', 'acme', '--help']],
    // Help wins over a mistake on the same line, as people expect.
    [['tenant', 'put', '--bogus', '--help']],
    [['help', 'dlq', 'redrive']],
  ])('%p is help too', async (argv) => {
    const harness = await brokenEnvironment();
    expect(await harness.run(argv)).toBe(0);
    expect(harness.stdout()).toMatch(/^usage: stripe-qbo \S+ \S+/);
    expect(harness.stdout()).toContain('examples:');
    await expectUntouched(harness);
  });

  it('the program help names every command', async () => {
    const harness = await brokenEnvironment();
    expect(await harness.run(['--help'])).toBe(0);
    for (const name of Object.keys(ALL_COMMANDS)) expect(harness.stdout()).toMatch(new RegExp(`\\n  ${name} +\\S`));
    await expectUntouched(harness);
  });

  it('no command at all is a usage error that shows the commands', async () => {
    const harness = await brokenEnvironment();
    expect(await harness.run([])).toBe(2);
    expect(harness.stdout()).toBe('');
    expect(harness.stderr()).toContain('usage: stripe-qbo <command>');
    await expectUntouched(harness);
  });
});

describe('usage errors', () => {
  it.each(README_COMMANDS.map((path) => [path]))(
    '`%s --bogus` names the unknown option with the usage, exit 2, touching nothing',
    async (path) => {
      const harness = await brokenEnvironment();
      expect(await harness.run([...path.split(' '), '--bogus'])).toBe(2);
      expect(harness.stderr()).toContain(`stripe-qbo ${path}: unknown option --bogus`);
      expect(harness.stderr()).toContain(`usage: stripe-qbo ${path}`);
      expect(harness.stdout()).toBe('');
      await expectUntouched(harness);
    },
  );

  it.each([
    [['preview', 'event.json'], '--tenant is required'],
    [['connect-qbo'], '--tenant is required'],
    [['backfill', 'start', '--tenant', 'acme', '--from', '2025-01-01'], '--to is required'],
    [['preview', '--tenant', 'tenant.json'], 'the Stripe event file is required (EVENT.json)'],
    [['review', 'approve'], 'is required (ID)'],
    [['review', 'dismiss'], 'is required (ID)'],
    [['review', 'retry'], 'is required (ID)'],
    [['tenant', 'put'], 'is required (FILE)'],
    [['tenant', 'get'], 'the tenant id is required (ID)'],
    [['tenant', 'check'], 'the tenant id is required (ID)'],
    [['tenant', 'activate'], 'the tenant id is required (ID)'],
    [['backfill', 'status'], 'the backfill id (printed by backfill start) is required (ID)'],
    [['tenant'], 'a subcommand is required: put, get, list, check, activate'],
    [['backfill'], 'a subcommand is required: start, status'],
    [['tenant', 'delete', 'acme'], 'unknown subcommand "delete" (put, get, list, check, activate)'],
    [['replay', '--tenant'], '--tenant needs a value (--tenant ID)'],
    [['replay', '--tenant', '--json'], '--tenant needs a value (--tenant ID)'],
    [['replay', 'acme'], 'unexpected argument "acme" (this command takes none)'],
    [['tenant', 'get', 'acme', 'globex'], 'unexpected argument "globex" (it takes ID)'],
    [['review', 'list', '--json=yes'], '--json takes no value'],
    [['review', 'list', '--status', 'closed'], '--status must be one of open, approved, dismissed, resolved'],
    [['review', '-x'], 'unknown option -x'],
    [['dlq', 'list', '--max', 'many'], '--max needs a whole number (got "many")'],
    [['start', '--port', '-1'], '--port needs a value'],
    [['demo', '--objects', '0'], '--objects must be at least 1 (got 0)'],
  ])('%p: %s (exit 2, touching nothing)', async (argv, message) => {
    const harness = await brokenEnvironment();
    expect(await harness.run(argv)).toBe(2);
    expect(harness.stderr()).toContain(message);
    expect(harness.stderr()).toMatch(/\n\nusage: stripe-qbo /);
    expect(harness.stderr()).toContain('--help" for details and examples.');
    await expectUntouched(harness);
  });

  it.each([[['report']], [['--verbose']]])('%p is not a command (exit 2)', async (argv) => {
    const harness = await brokenEnvironment();
    expect(await harness.run(argv)).toBe(2);
    expect(harness.stderr()).toMatch(/^stripe-qbo: unknown (command "report"|option --verbose)/);
    await expectUntouched(harness);
  });
});

describe('a valid command line', () => {
  it('reaches the command, which then reports the broken configuration (exit 1)', async () => {
    // The counterpart of the checks above: with a usable command line the same environment is read and refused.
    const harness = await brokenEnvironment();
    await writeFile(join(harness.cwd, '.local', 'stack.json'), '{}');
    expect(await harness.run(['review', 'list'])).toBe(1);
    expect(harness.loads).toEqual(['review']);
    expect(harness.stderr()).toContain('invalid configuration: STORE must be one of duckdb|firestore');
    for (const key of ['SECRETS', 'LOG_LEVEL', 'QBO_BASE_URL']) expect(harness.stderr()).toContain(key);
    expect(await readdir(harness.cwd)).toEqual(['.local']);
  });
});
