import { buildPlan } from '../../accounting/plan';
import { normalizeStripeEvent } from '../../ingest/normalize';
import { createValidators, SchemaValidationError } from '../../../schemas/validators';
import { PREVIEW } from '../command-specs';
import { usageHint } from '../help';
import { UsageError } from '../io';
import { parseCommand } from '../spec';

export interface PreviewIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => Promise<string>;
}

async function readJson(io: PreviewIo, path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await io.readFile(path);
  } catch (error) {
    throw new PreviewInputError(
      `cannot read ${what} ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PreviewInputError(
      `${what} ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

class PreviewInputError extends Error {}

/** A Stripe list response (`{"object":"list","data":[…]}`), or a bare array of balance transactions. */
function balanceTransactionsOf(list: unknown, path: string, io: PreviewIo): unknown[] {
  if (Array.isArray(list)) return list;
  if (typeof list === 'object' && list !== null && Array.isArray((list as { data?: unknown }).data)) {
    if ((list as { has_more?: unknown }).has_more === true)
      io.stderr(`warning: ${path} is one page (has_more is true); the plan sees only these balance transactions`);
    return (list as { data: unknown[] }).data;
  }
  throw new PreviewInputError(`${path} is not a Stripe list response nor an array`);
}

/**
 * `stripe-qbo preview`: the QBO plan for one raw Stripe event, as JSON on stdout, with no side effects (DESIGN
 * section 9). Exit 0 with the plan (also when it is skipped or parked: that is the answer), 1 for unusable input,
 * 2 for a usage error.
 */
export async function runPreview(argv: string[], io: PreviewIo): Promise<number> {
  let args: { tenantPath: string; balanceTransactionsPath: string | undefined; eventPath: string };
  try {
    const { values, positionals } = parseCommand(PREVIEW, argv);
    args = {
      tenantPath: values.tenant,
      balanceTransactionsPath: values['balance-transactions'],
      eventPath: positionals[0],
    };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${error.message}\n\n${usageHint(PREVIEW, ['preview'])}`);
    return 2;
  }
  try {
    const settings = createValidators().tenantSettings.parse(await readJson(io, args.tenantPath, 'tenant file'));
    const raw = await readJson(io, args.eventPath, 'event file');
    const balanceTransactions =
      args.balanceTransactionsPath === undefined
        ? undefined
        : balanceTransactionsOf(
            await readJson(io, args.balanceTransactionsPath, 'balance-transactions file'),
            args.balanceTransactionsPath,
            io,
          );
    // receivedAt only feeds the envelope; the event's own time keeps the preview free of the clock.
    const created = (raw as { created?: unknown } | null)?.created;
    const receivedAt = new Date(typeof created === 'number' ? created * 1000 : 0).toISOString();
    const normalized = normalizeStripeEvent(raw, { tenantId: settings.tenantId, source: 'replay', receivedAt });
    if (normalized.kind === 'invalid') {
      io.stderr(`${args.eventPath} is not a usable Stripe event:\n  ${normalized.problems.join('\n  ')}`);
      return 1;
    }
    if (normalized.kind === 'unhandled') {
      io.stdout(JSON.stringify({ operations: [], skipped: { reason: 'unhandled_type' } }, null, 2));
      return 0;
    }
    const plan = buildPlan({
      event: normalized.event,
      settings,
      ...(balanceTransactions === undefined ? {} : { balanceTransactions }),
    });
    io.stdout(JSON.stringify(plan, null, 2));
    return 0;
  } catch (error) {
    if (error instanceof PreviewInputError) {
      io.stderr(error.message);
      return 1;
    }
    if (error instanceof SchemaValidationError) {
      io.stderr(`${args.tenantPath}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
