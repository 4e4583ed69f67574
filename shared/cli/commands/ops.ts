import { parseStoredTokens } from '../../qbo/auth/token-provider';
import { scanDeadLetters } from '../../ops/dead-letters';
import { actOnReviewItem } from '../../ops/review-actions';
import { secretNames } from '../../secrets/secret-store';
import {
  DLQ,
  REVIEW,
  REVIEW_APPROVE,
  REVIEW_DISMISS,
  REVIEW_LIST,
  REVIEW_RETRY,
  TENANT,
  TENANT_ACTIVATE,
  TENANT_GET,
  TENANT_LIST,
  TENANT_PUT,
} from '../command-specs';
import type { CliIo } from '../io';
import { runOps, type OpsCommand } from '../ops-context';
import { parseCommand, selectSubcommand } from '../spec';

const print = (out: { stdout: (s: string) => void }, value: unknown, json: boolean, text: () => string) =>
  out.stdout(json ? JSON.stringify(value, null, 2) : text());

/** `review list [--tenant T] [--status S] [--reason R] [--json]`, `approve ID`, `dismiss ID`, `retry ID` (specs in command-specs.ts). */
export const reviewCommand: OpsCommand = async (argv, context, out) => {
  const selected = selectSubcommand(REVIEW, argv);
  if (selected.name === 'list') {
    const { values } = parseCommand(REVIEW_LIST, selected.argv);
    const items = await context.stores.reviewQueue.list({
      ...(values.tenant ? { tenantId: values.tenant } : {}),
      status: values.status,
      ...(values.reason ? { reason: values.reason } : {}),
    });
    print(
      out,
      items.map(({ event: _event, proposal, ...item }) => ({
        ...item,
        operations: (proposal as { operations?: unknown[] } | null)?.operations?.length ?? 0,
      })),
      values.json,
      () =>
        items.length === 0
          ? 'no parked items'
          : items.map((i) => `${i.reviewId}  ${i.status}  ${i.reason}  ${i.detail}`).join('\n'),
    );
    return 0;
  }
  const action = selected.name;
  const [reviewId] = parseCommand(
    { approve: REVIEW_APPROVE, dismiss: REVIEW_DISMISS, retry: REVIEW_RETRY }[action],
    selected.argv,
  ).positionals;
  const result = await actOnReviewItem(
    {
      reviewQueue: context.stores.reviewQueue,
      publisher: context.publisher,
      topicPrefix: context.topicPrefix,
      validators: context.validators,
      now: context.now,
    },
    action,
    reviewId,
  );
  if (!result.ok) {
    out.stderr(result.message);
    return 1;
  }
  out.stdout(result.message);
  return 0;
};

/** `dlq list [--json]` shows dead-lettered messages without consuming them; `dlq redrive [--tenant T]` republishes them. */
export const dlqCommand: OpsCommand = async (argv, context, out) => {
  const selected = selectSubcommand(DLQ, argv);
  const { values } = parseCommand(selected.spec, selected.argv);
  const found = await scanDeadLetters(context, {
    ...(values.tenant ? { tenantId: values.tenant } : {}),
    max: values.max,
    redrive: selected.name === 'redrive',
  });
  print(out, found, values.json, () =>
    found.length === 0
      ? 'no dead letters'
      : found
          .map((f) => `${f.redriven ? 'redriven ' : ''}${f.messageId}  ${f.tenantId}  ${f.eventType}  ${f.objectId}`)
          .join('\n'),
  );
  return 0;
};

/**
 * `tenant put FILE`, `tenant get ID`, `tenant list`, `tenant check ID`, `tenant activate ID`.
 * `activate` is the second half of a reconnect: after `connect-qbo` stored a new token pair it clears `needs_reauth`
 * (a settings `put` never does), so consumers post again and the next replay republishes what was parked for auth.
 */
export const tenantCommand: OpsCommand = async (argv, context, out) => {
  const selected = selectSubcommand(TENANT, argv);
  const action = selected.name;
  if (action === 'list') {
    const { values } = parseCommand(TENANT_LIST, selected.argv);
    const tenants = await context.stores.tenants.list();
    print(
      out,
      tenants,
      values.json,
      () =>
        tenants
          .map(
            (t) =>
              `${t.tenantId}  ${t.enabled ? 'enabled' : 'disabled'}  ${t.status ?? 'active'}  realm ${t.qbo.realmId}  ${t.mode}`,
          )
          .join('\n') || 'no tenants',
    );
    return 0;
  }
  if (action === 'get') {
    const [argument] = parseCommand(TENANT_GET, selected.argv).positionals;
    const tenant = await context.stores.tenants.get(argument);
    if (!tenant) {
      out.stderr(`no tenant ${argument}`);
      return 1;
    }
    out.stdout(JSON.stringify(tenant, null, 2));
    return 0;
  }
  if (action === 'put') {
    const [argument] = parseCommand(TENANT_PUT, selected.argv).positionals;
    const { readFile } = await import('node:fs/promises');
    const settings = context.validators.tenantSettings.parse(JSON.parse(await readFile(argument, 'utf8')));
    await context.stores.tenants.put(settings);
    out.stdout(`stored tenant ${settings.tenantId}`);
    return 0;
  }
  if (action === 'activate') {
    const [argument] = parseCommand(TENANT_ACTIVATE, selected.argv).positionals;
    const tenant = await context.stores.tenants.get(argument);
    if (!tenant) {
      out.stderr(`no tenant ${argument}`);
      return 1;
    }
    // Tokens for another company would post this tenant's books into the wrong QBO file.
    const tokens = parseStoredTokens(await context.secrets.read(secretNames.qboTokens(argument)));
    if (!tokens || tokens.realmId !== tenant.qbo.realmId) {
      out.stderr(
        tokens
          ? `tenant ${argument} is connected to realm ${tokens.realmId}, its settings name ${tenant.qbo.realmId}`
          : `tenant ${argument} has no QBO tokens: run connect-qbo --tenant ${argument} first`,
      );
      return 1;
    }
    await context.stores.tenants.setStatus(argument, 'active', 'reconnected');
    out.stdout(`tenant ${argument} active (realm ${tenant.qbo.realmId}); replay --tenant ${argument} catches up`);
    return 0;
  }
  if (action === 'check') {
    const { tenantCheckCommand } = await import('./tenant-check');
    return tenantCheckCommand(selected.argv, context, out);
  }
  const unhandled: never = action;
  throw new Error(`tenant ${String(unhandled)} has no implementation`);
};

const backfillCommand: OpsCommand = async (argv, context, out) =>
  (await import('./backfill')).backfillCommand(argv, context, out);
const replayCommand: OpsCommand = async (argv, context, out) =>
  (await import('./replay')).replayCommand(argv, context, out);

/** Every operator command, by name: what a running local stack's ops endpoint serves (see runOps). */
export const OPS_COMMANDS: Record<string, OpsCommand> = {
  review: reviewCommand,
  dlq: dlqCommand,
  tenant: tenantCommand,
  backfill: backfillCommand,
  replay: replayCommand,
};

export const runReview = (argv: string[], io: CliIo) => runOps('review', reviewCommand, argv, io);
export const runDlq = (argv: string[], io: CliIo) => runOps('dlq', dlqCommand, argv, io);
export const runTenant = (argv: string[], io: CliIo) => runOps('tenant', tenantCommand, argv, io);
export const runBackfill = (argv: string[], io: CliIo) => runOps('backfill', backfillCommand, argv, io);
export const runReplay = (argv: string[], io: CliIo) => runOps('replay', replayCommand, argv, io);
