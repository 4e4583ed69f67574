import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildScenario, createScenarioStripeReader, type Scenario } from '../scenario/scenario';
import { checkQbo } from '../scenario/check-qbo';
import { signStripeEvent } from '../../shared/ingest/stripe-signature';
import { startLocalStack, type LocalStack } from '../local-stack/stack';
import { secretNames } from '../../shared/secrets/secret-store';
import type { CliIo } from '../../shared/cli/io';
import { parseCommand } from '../../shared/cli/spec';
import { DEMO } from './command-specs';

export interface DemoReport {
  eventsSent: number;
  posted: number;
  skipped: Record<string, number>;
  parked: Array<{ reviewId: string; reason: string; detail: string }>;
  duplicates: number;
  lost: number;
  pennyMismatches: number;
  payouts: Array<{
    payoutId: string;
    stripeAmount: string;
    qboDepositId: string | null;
    qboTotal: string | null;
    tiesOut: boolean;
  }>;
  qbo: Record<string, number>;
  examples: string[];
  drainedInMs: number;
}

async function sendAll(stack: LocalStack, tenantId: string, scenario: Scenario): Promise<void> {
  const secret = (await stack.runtime.secrets.read(secretNames.stripeWebhookSecret(tenantId))) ?? '';
  let next = 0;
  const worker = async () => {
    while (next < scenario.events.length) {
      const event = scenario.events[next++]!;
      const signed = signStripeEvent(event, secret);
      const response = await fetch(`${stack.urls.webhook}/${tenantId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signed.signature },
        body: signed.body,
      });
      if (response.status !== 200) throw new Error(`webhook answered ${response.status} for ${event.id}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

/** Waits until the audit trail stops growing and every expected QBO object is there (or the time is up). */
async function waitUntilDrained(
  stack: LocalStack,
  timeoutMs: number,
  complete: () => Promise<boolean>,
): Promise<number> {
  const started = Date.now();
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const count = await stack.archiver.count('audit_records');
    if (count !== last) {
      last = count;
      stableSince = Date.now();
      continue;
    }
    if (Date.now() - stableSince > 3_000 && (await complete())) break;
    if (Date.now() - stableSince > 15_000) break;
  }
  return Date.now() - started;
}

export async function runDemoScenario(stack: LocalStack, scenario: Scenario, timeoutMs: number): Promise<DemoReport> {
  const tenant = stack.tenants[0]!;
  const simulator = { entities: async (realmId: string, entity: string) => stack.simulator!.entities(realmId, entity) };
  await sendAll(stack, tenant.tenantId, scenario);
  const drainedInMs = await waitUntilDrained(
    stack,
    timeoutMs,
    async () => (await checkQbo(simulator, tenant.realmId, scenario.expected)).missing === 0,
  );
  const check = await checkQbo(simulator, tenant.realmId, scenario.expected);
  const audit = await stack.stores.database.all<{ outcome: string; reason: string; n: bigint }>(
    `SELECT "outcome" AS outcome, "reason" AS reason, count(DISTINCT "recordId") AS n FROM audit_records GROUP BY 1, 2`,
  );
  const skipped: Record<string, number> = {};
  for (const row of audit) if (row.outcome === 'skipped') skipped[row.reason] = Number(row.n);
  const parked = (await stack.stores.reviewQueue.list({ status: 'open' })).map((item) => ({
    reviewId: item.reviewId,
    reason: item.reason,
    detail: item.detail,
  }));
  const qbo: Record<string, number> = {};
  for (const entity of [
    'Customer',
    'Invoice',
    'Payment',
    'SalesReceipt',
    'RefundReceipt',
    'CreditMemo',
    'Deposit',
    'Transfer',
    'JournalEntry',
  ])
    qbo[entity] = stack
      .simulator!.entities(tenant.realmId, entity)
      // A QBO Customer keeps our marker in Notes (it has no PrivateNote).
      .filter((o) => String((entity === 'Customer' ? o.Notes : o.PrivateNote) ?? '').includes('stripe:')).length;
  const deposits = stack.simulator!.entities(tenant.realmId, 'Deposit');
  const payouts = scenario.expected
    .filter((item) => item.qboEntity === 'Deposit')
    .map((item) => {
      const deposit = deposits.find((d) =>
        String(d.PrivateNote ?? '')
          .split(/\s+/)
          .includes(`stripe:${item.stripeId}`),
      );
      const stripeAmount = ((item.amountMinor ?? 0) / 100).toFixed(2);
      const qboTotal = deposit ? Number(deposit.TotalAmt).toFixed(2) : null;
      return {
        payoutId: item.stripeId,
        stripeAmount,
        qboDepositId: deposit ? String(deposit.Id) : null,
        qboTotal,
        tiesOut: qboTotal === stripeAmount,
      };
    });
  const posted = audit.filter((row) => row.outcome === 'posted').reduce((sum, row) => sum + Number(row.n), 0);
  return {
    eventsSent: scenario.events.length,
    posted,
    skipped,
    parked,
    duplicates: check.duplicates,
    lost: check.missing,
    pennyMismatches: check.pennyMismatches,
    payouts,
    qbo,
    examples: check.examples,
    drainedInMs,
  };
}

function formatReport(report: DemoReport): string {
  const lines = [
    `Sent ${report.eventsSent} signed Stripe events; pipeline drained in ${(report.drainedInMs / 1000).toFixed(1)} s.`,
    `Landed in QBO: ${Object.entries(report.qbo)
      .filter(([, n]) => n > 0)
      .map(([entity, n]) => `${n} ${entity}`)
      .join(', ')} (${report.posted} writes).`,
    `Skipped on purpose: ${
      Object.entries(report.skipped)
        .map(([reason, n]) => `${reason} ×${n}`)
        .join(', ') || 'none'
    }.`,
    `Parked for review: ${report.parked.length === 0 ? 'none' : ''}`,
    ...report.parked.map((item) => `  ${item.reviewId}: ${item.reason} (${item.detail})`),
    `Duplicates in QBO: ${report.duplicates}; lost: ${report.lost}; penny mismatches: ${report.pennyMismatches}.`,
    'Payouts:',
    ...report.payouts.map(
      (p) =>
        `  ${p.payoutId}: Stripe ${p.stripeAmount}, QBO deposit ${p.qboDepositId ?? '(none)'} ${p.qboTotal ?? ''} → ${p.tiesOut ? 'ties out' : 'DOES NOT tie out'}`,
    ),
    ...report.examples.slice(0, 10).map((example) => `  ! ${example}`),
  ];
  return lines.join('\n');
}

/** `stripe-qbo demo [--json] [--objects N]`: the local stack, the demo scenario, and what landed. */
export async function runDemo(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(DEMO, argv);
  const scenario = buildScenario({ seed: 42, objects: values.objects });
  const duckdbPath = join(io.cwd, '.local', 'demo.duckdb');
  await rm(duckdbPath, { force: true });
  await rm(`${duckdbPath}.wal`, { force: true });
  if (!values.json)
    io.stdout(
      `Starting the local stack and sending ${scenario.events.length} Stripe events (${scenario.objectCount} objects)…`,
    );
  const stack = await startLocalStack({
    rootDir: io.cwd,
    env: { ...io.env, LOG_LEVEL: io.env.LOG_LEVEL ?? 'error' },
    webhookPort: 0,
    duckdbPath,
    topicPrefix: `demo${randomUUID().slice(0, 6)}-`,
    stripe: createScenarioStripeReader(scenario),
    logLevel: io.env.LOG_LEVEL ?? 'error',
  });
  try {
    const report = await runDemoScenario(stack, scenario, values.timeout * 1000);
    const consoleUrl = `${stack.urls.console}/`;
    const exitCode = report.duplicates === 0 && report.lost === 0 && report.pennyMismatches === 0 ? 0 : 1;
    if (values.json) {
      io.stdout(JSON.stringify({ ...report, consoleUrl }, null, 2));
      return exitCode;
    }
    io.stdout(formatReport(report));
    // A person at a terminal gets the console to look around in; a script gets the URL and its exit code at once.
    if (values.exit || !process.stdout.isTTY) {
      io.stdout(`Console: ${consoleUrl} (stopped with the demo; run \`stripe-qbo demo\` in a terminal to keep it up)`);
      return exitCode;
    }
    io.stdout(`Console: ${consoleUrl} (the stack and the console stay up; press Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    return exitCode;
  } finally {
    await stack.stop();
  }
}
