import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalStack } from '../../../dev/local-stack/stack';
import type { CliIo } from '../../../shared/cli/io';
import { main } from '../../../shared/cli/main';
import { startTestStack } from '../../support/stack';

/**
 * While the local stack runs it owns the DuckDB file, so every operator command is sent to its ops endpoint
 * (shared/cli/ops-context.ts). The stack here keeps its store in memory: only a forwarded command can see its tenant,
 * and a command that opened a store itself would leave a DuckDB file next to stack.json.
 */
describe('operator commands while the local stack runs', () => {
  let root: string;
  let stack: LocalStack;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'stripe-qbo-ops-'));
    await symlink(join(__dirname, '..', '..', '..', 'ddl'), join(root, 'ddl'), 'dir');
    stack = await startTestStack({ rootDir: root, writeStackJson: true });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await rm(root, { recursive: true, force: true });
  });

  async function stripeQbo(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      readFile: async (path) => {
        throw new Error(`read ${path}`);
      },
      env: { PATH: process.env.PATH },
      cwd: root,
    };
    const code = await main(argv, io);
    return { code, stdout, stderr };
  }

  it.each([
    [['tenant', 'list'], 0, /^demo {2}enabled/],
    [['review', 'list'], 0, /^no parked items/],
    [['backfill', 'status', 'bf-unknown'], 1, /no checkpoint for backfill bf-unknown/],
    [['backfill', 'start', '--tenant', 'nobody', '--from', '2025-01-01', '--to', '2025-01-31'], 1, /no tenant nobody/],
    [['replay', '--tenant', 'nobody'], 1, /no tenant nobody/],
  ])('%p runs in the stack', async (argv, exitCode, output) => {
    const result = await stripeQbo(argv);
    expect(result.code).toBe(exitCode);
    expect(exitCode === 0 ? result.stdout : result.stderr).toMatch(output);
    expect(await readdir(join(root, '.local'))).toEqual(['stack.json']);
  });
});
