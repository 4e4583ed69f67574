import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildScenario, type Scenario } from '../../../dev/scenario/scenario';
import { openDuckDbStores } from '../../../shared/stores/duckdb';

/**
 * DESIGN section 10: no secret, token, email, name or address in any log line or audit/archive row. Runs the demo
 * scenario and a small chaos run (faults, crashes, a killed stack) as child processes, exactly as `npm run demo` and
 * `npm run chaos` do, keeps every line they print and every row they archive, and looks for the scenario customers'
 * names, emails, phones and addresses, the secrets the stack stored, and anything token-shaped.
 */
const ROOT = join(__dirname, '../../..');
const REGISTER = join(ROOT, 'test/support/ts-register.cjs');

function run(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--require', REGISTER, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NODE_OPTIONS: `--require ${REGISTER}`, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Customer data in the scenario's Stripe objects: what must never be logged or archived. */
const PERSONAL_KEYS = new Set(['email', 'phone', 'customer_name', 'customer_email', 'customer_phone', 'receipt_email']);
const PERSONAL_TREES = new Set(['address', 'shipping', 'billing_details', 'customer_address', 'customer_shipping']);

function personalData(scenario: Scenario): Set<string> {
  const found = new Set<string>();
  const add = (value: unknown) => {
    // Short strings and bare numbers (country codes, postal codes) would match ids and counters by chance.
    if (typeof value === 'string' && value.length >= 5 && !/^\d+$/.test(value)) found.add(value);
  };
  const leaves = (value: unknown) => {
    if (typeof value === 'string') add(value);
    else if (value && typeof value === 'object') for (const item of Object.values(value)) leaves(item);
  };
  const walk = (value: unknown, customer: boolean) => {
    if (!value || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    const isCustomer = record.object === 'customer' || customer;
    for (const [key, item] of Object.entries(record)) {
      if (PERSONAL_TREES.has(key)) leaves(item);
      else if (PERSONAL_KEYS.has(key) || (key === 'name' && record.object === 'customer')) add(item);
      else walk(item, isCustomer && key === 'object');
    }
  };
  for (const object of scenario.objects.values()) walk(object, false);
  for (const event of scenario.events) walk(event, false);
  return found;
}

const TOKEN_SHAPES = [
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/,
  /\bsim-(?:at|rt)-[A-Za-z0-9_-]{8,}/,
  /\bwhsec_[A-Za-z0-9]{8,}/,
  /\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]{8,}/,
  /\bBearer\s+[A-Za-z0-9._~+/-]{8,}/,
  /\bAB11[A-Za-z0-9]{30,}/,
];

function leaks(texts: Array<{ where: string; text: string }>, needles: Set<string>): string[] {
  const hits: string[] = [];
  for (const { where, text } of texts) {
    for (const needle of needles) if (text.includes(needle)) hits.push(`${where}: ${needle}`);
    for (const shape of TOKEN_SHAPES) {
      const match = shape.exec(text);
      if (match) hits.push(`${where}: token-shaped ${match[0].slice(0, 12)}…`);
    }
  }
  return hits;
}

/** Every row of the archive tables, one JSON text per row. */
async function archivedRows(duckdbPath: string): Promise<Array<{ where: string; text: string }>> {
  const stores = await openDuckDbStores(duckdbPath);
  try {
    const rows: Array<{ where: string; text: string }> = [];
    for (const table of ['audit_records', 'link_records', 'events_archive', 'dead_letters']) {
      const found = await stores.database.all<Record<string, unknown>>(`SELECT * FROM ${table}`).catch(() => []);
      for (const row of found)
        rows.push({
          where: table,
          text: JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
        });
    }
    return rows;
  } finally {
    await stores.close();
  }
}

/** The secret values the stack stored (tokens, webhook and API secrets): none may appear anywhere. */
function storedSecrets(dir: string): Set<string> {
  const values = new Set<string>();
  if (!existsSync(dir)) return values;
  for (const name of readdirSync(dir)) {
    const raw = readFileSync(join(dir, name), 'utf8').trim();
    try {
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      for (const key of ['access_token', 'refresh_token', 'clientSecret'])
        if (typeof parsed[key] === 'string' && (parsed[key] as string).length >= 16) values.add(parsed[key] as string);
    } catch {
      if (raw.length >= 16) values.add(raw);
    }
  }
  return values;
}

describe('no personal data or secret in any log line or archived row', () => {
  it('holds for the demo scenario, logged at debug', async () => {
    const root = mkdtempSync(join(tmpdir(), 'stripe-qbo-logscan-demo-'));
    try {
      symlinkSync(join(ROOT, 'ddl'), join(root, 'ddl'));
      const script = `require(${JSON.stringify(join(ROOT, 'dev/cli/main.ts'))}).main(['demo','--json','--objects','30']).then((c) => process.exit(c))`;
      const { code, stdout, stderr } = await run(['-e', script], { cwd: root, env: { LOG_LEVEL: 'debug' } });
      if (code !== 0) throw new Error(`demo exited ${code}\n${stderr.slice(-4000)}`);
      const lines = `${stdout}\n${stderr}`.split('\n').filter((line) => line.trim() !== '');
      // The run really logged: ingest and consumer lines at debug.
      expect(lines.filter((line) => line.includes('"function":"stripe-webhook"')).length).toBeGreaterThan(10);
      expect(lines.filter((line) => /"function":"sync-/.test(line)).length).toBeGreaterThan(10);
      const needles = new Set([
        ...personalData(buildScenario({ seed: 42, objects: 30 })),
        ...storedSecrets(join(root, '.local', 'secrets')),
      ]);
      expect(needles.size).toBeGreaterThan(10);
      const rows = await archivedRows(join(root, '.local', 'demo.duckdb'));
      expect(rows.filter((row) => row.where === 'audit_records').length).toBeGreaterThan(20);
      const hits = leaks([...lines.map((text, i) => ({ where: `log line ${i}`, text })), ...rows], needles);
      expect(hits).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 300_000);

  it('holds for a small chaos run (QBO faults, consumer crashes, a killed stack)', async () => {
    const { code, stdout, stderr } = await run(
      [join(ROOT, 'bench/chaos.ts'), '--small', '--json', '--seed', '7', '--crash-rate', '0.1', '--keep'],
      { cwd: ROOT },
    );
    const kept = /kept (\S+)/.exec(stderr)?.[1];
    try {
      if (code !== 0 || !kept) throw new Error(`chaos exited ${code}\n${stdout.slice(-2000)}\n${stderr.slice(-4000)}`);
      const log = readFileSync(join(kept, 'stack.log'), 'utf8');
      const lines = [...log.split('\n'), ...stdout.split('\n'), ...stderr.split('\n')].filter(
        (line) => line.trim() !== '',
      );
      expect(lines.filter((line) => /"function":"sync-/.test(line)).length).toBeGreaterThan(10);
      const needles = new Set([
        ...personalData(buildScenario({ seed: 7, objects: 40 })),
        ...storedSecrets(join(kept, 'secrets')),
      ]);
      const rows = await archivedRows(join(kept, 'chaos.duckdb'));
      expect(rows.filter((row) => row.where === 'audit_records').length).toBeGreaterThan(20);
      const hits = leaks([...lines.map((text, i) => ({ where: `log line ${i}`, text })), ...rows], needles);
      expect(hits).toEqual([]);
    } finally {
      if (kept) rmSync(kept, { recursive: true, force: true });
    }
  }, 300_000);
});
