import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { freePort } from '../../../dev/local-stack/emulators';

/**
 * `stripe-qbo` as a person runs it: the sources built with the repository's own tsconfig (into a scratch folder, so
 * the suite neither needs nor disturbs a `npm run build`), then `node bin/stripe-qbo.js …` in a child process.
 */
const REPO = join(__dirname, '..', '..', '..');
const run = promisify(execFile);

let root: string;
const scratch: string[] = [];

async function scratchDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

beforeAll(async () => {
  root = await scratchDir('stripe-qbo-build-');
  await run(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      join(REPO, 'tsconfig.dev.json'),
      '--outDir',
      join(root, 'dist'),
      '--incremental',
      'false',
    ],
    { cwd: REPO },
  );
  await mkdir(join(root, 'bin'));
  await copyFile(join(REPO, 'bin', 'stripe-qbo.js'), join(root, 'bin', 'stripe-qbo.js'));
  await symlink(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
}, 180_000);

afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function stripeQbo(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'bin', 'stripe-qbo.js'), ...argv], {
      cwd,
      env,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** No credentials, config that cannot parse, an emulator on a closed port, a DuckDB folder that does not exist. */
async function brokenEnvironment(cwd: string): Promise<NodeJS.ProcessEnv> {
  const closed = await freePort();
  return {
    PATH: process.env.PATH,
    HOME: cwd,
    STORE: 'bogus',
    LOG_LEVEL: 'loud',
    SECRETS: 'secret-manager',
    PUBSUB_EMULATOR_HOST: `127.0.0.1:${closed}`,
    FIRESTORE_EMULATOR_HOST: `127.0.0.1:${closed}`,
    DUCKDB_PATH: join(cwd, 'no', 'such', 'dir', 'stripe-qbo.duckdb'),
  };
}

describe('bin/stripe-qbo.js', () => {
  it.each(['review list', 'backfill start', 'start', 'tenant check'])(
    '`%s --help` prints usage and an example in a broken environment and creates nothing',
    async (path) => {
      const cwd = await scratchDir('stripe-qbo-cwd-');
      const result = await stripeQbo([...path.split(' '), '--help'], await brokenEnvironment(cwd), cwd);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(new RegExp(`^usage: stripe-qbo ${path}\\b`));
      expect(result.stdout).toMatch(new RegExp(`\\nexamples:\\n  stripe-qbo ${path}\\b`));
      expect(await readdir(cwd)).toEqual([]);
    },
  );

  it('exits 2 on an unknown option, naming it', async () => {
    const cwd = await scratchDir('stripe-qbo-cwd-');
    const result = await stripeQbo(['backfill', 'start', '--tennant', 'acme'], await brokenEnvironment(cwd), cwd);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('stripe-qbo backfill start: unknown option --tennant');
    expect(result.stderr).toContain('usage: stripe-qbo backfill start --tenant ID');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('exits 1 with every configuration problem once a valid command reads the broken environment', async () => {
    const cwd = await scratchDir('stripe-qbo-cwd-');
    const result = await stripeQbo(['tenant', 'list'], await brokenEnvironment(cwd), cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^invalid configuration: STORE must be one of duckdb\|firestore \(got "bogus"\); /);
    expect(result.stderr).toContain('LOG_LEVEL must be one of');
  });

  it('talks to the Pub/Sub emulator without probing for a GCE metadata server (no MetadataLookupWarning)', async () => {
    // Off Google Cloud and without credentials (HOME is empty), a Google client that looks for credentials probes
    // the metadata server and warns; jest's global setup hides that for the tests' own clients, this child does not.
    const emulator = process.env.PUBSUB_EMULATOR_HOST;
    if (!emulator) throw new Error('PUBSUB_EMULATOR_HOST is not set (see test/support/global-setup.ts)');
    const cwd = await scratchDir('stripe-qbo-cwd-');
    const result = await stripeQbo(
      ['dlq', 'list'],
      {
        PATH: process.env.PATH,
        HOME: cwd,
        PUBSUB_EMULATOR_HOST: emulator,
        GOOGLE_CLOUD_PROJECT: 'stripe-qbo-test',
        TOPIC_PREFIX: `cli${randomUUID().slice(0, 8)}-`,
      },
      cwd,
    );
    expect(result).toEqual({ code: 0, stdout: 'no dead letters\n', stderr: '' });
  });

  it('opens the Firestore emulator from config without the probe either (STORE=firestore)', async () => {
    const firestore = process.env.FIRESTORE_EMULATOR_HOST;
    const pubsub = process.env.PUBSUB_EMULATOR_HOST;
    if (!firestore || !pubsub) throw new Error('the emulators are not set (see test/support/global-setup.ts)');
    const cwd = await scratchDir('stripe-qbo-cwd-');
    const result = await stripeQbo(
      ['tenant', 'list'],
      {
        PATH: process.env.PATH,
        HOME: cwd,
        STORE: 'firestore',
        FIRESTORE_EMULATOR_HOST: firestore,
        PUBSUB_EMULATOR_HOST: pubsub,
        GOOGLE_CLOUD_PROJECT: `cli-${randomUUID().slice(0, 8)}`,
      },
      cwd,
    );
    expect(result).toEqual({ code: 0, stdout: 'no tenants\n', stderr: '' });
  });
});
