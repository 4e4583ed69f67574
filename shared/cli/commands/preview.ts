import { buildPlan, type StripeEnrichment } from '../../accounting/plan';
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

/** A Stripe list response (`{"object":"list","data":[…]}`), or a bare array (of balance transactions, lines …). */
function listOf(list: unknown, path: string, io: PreviewIo): unknown[] {
  if (Array.isArray(list)) return list;
  if (typeof list === 'object' && list !== null && Array.isArray((list as { data?: unknown }).data)) {
    if ((list as { has_more?: unknown }).has_more === true)
      io.stderr(`warning: ${path} is one page (has_more is true); the plan sees only what it holds`);
    return (list as { data: unknown[] }).data;
  }
  throw new PreviewInputError(`${path} is not a Stripe list response nor an array`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The list fields of StripeEnrichment, which take a list response or an array like --balance-transactions. */
const ENRICHMENT_LISTS = ['invoiceLines', 'creditNoteLines', 'customerBalanceTransactions'] as const;
/** Its object fields, and its maps of objects (each value an object; `creditNoteOfRefund` also null). */
const ENRICHMENT_OBJECTS = ['charge', 'invoice'] as const;
const ENRICHMENT_MAPS = ['creditNoteOfRefund', 'balanceTransactionOf'] as const;
const ENRICHMENT_FIELDS: readonly string[] = [...ENRICHMENT_LISTS, ...ENRICHMENT_OBJECTS, ...ENRICHMENT_MAPS];

/**
 * `--stripe FILE`: what the consumer's enrich stage would have read from Stripe for this event
 * (shared/accounting/enrichment.ts), so a plan that needs Stripe data can be previewed from files. An unknown key
 * is refused by name: a misspelt field would otherwise be a silently different plan.
 */
function stripeEnrichmentOf(value: unknown, path: string, io: PreviewIo): StripeEnrichment {
  if (!isObject(value)) throw new PreviewInputError(`${path} is not a JSON object (the enrich stage's "stripe" data)`);
  const unknown = Object.keys(value).filter((key) => !ENRICHMENT_FIELDS.includes(key));
  if (unknown.length > 0)
    throw new PreviewInputError(
      `${path}: unknown field(s) ${unknown.join(', ')}; known: ${ENRICHMENT_FIELDS.join(', ')}`,
    );
  const enrichment: Record<string, unknown> = {};
  for (const key of ENRICHMENT_LISTS)
    if (value[key] !== undefined) enrichment[key] = listOf(value[key], `${path} ${key}`, io);
  for (const key of ENRICHMENT_OBJECTS) {
    const field = value[key];
    if (field === undefined) continue;
    if (!isObject(field) && !(key === 'invoice' && field === null))
      throw new PreviewInputError(`${path} ${key} must be a Stripe ${key} object`);
    enrichment[key] = field;
  }
  for (const key of ENRICHMENT_MAPS) {
    const map = value[key];
    if (map === undefined) continue;
    const entries = isObject(map) ? Object.entries(map) : undefined;
    if (
      entries === undefined ||
      entries.some(([, entry]) => !isObject(entry) && !(key === 'creditNoteOfRefund' && entry === null))
    )
      throw new PreviewInputError(`${path} ${key} must map Stripe ids to objects`);
    enrichment[key] = map;
  }
  return enrichment as StripeEnrichment;
}

/**
 * `stripe-qbo preview`: the QBO plan for one raw Stripe event, as JSON on stdout, with no side effects (DESIGN
 * section 9). Exit 0 with the plan (also when it is skipped or parked: that is the answer), 1 for unusable input,
 * 2 for a usage error.
 */
export async function runPreview(argv: string[], io: PreviewIo): Promise<number> {
  let args: {
    tenantPath: string;
    balanceTransactionsPath: string | undefined;
    stripePath: string | undefined;
    eventPath: string;
  };
  try {
    const { values, positionals } = parseCommand(PREVIEW, argv);
    args = {
      tenantPath: values.tenant,
      balanceTransactionsPath: values['balance-transactions'],
      stripePath: values.stripe,
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
        : listOf(
            await readJson(io, args.balanceTransactionsPath, 'balance-transactions file'),
            args.balanceTransactionsPath,
            io,
          );
    const stripe =
      args.stripePath === undefined
        ? undefined
        : stripeEnrichmentOf(await readJson(io, args.stripePath, 'stripe file'), args.stripePath, io);
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
      ...(stripe === undefined ? {} : { stripe }),
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
