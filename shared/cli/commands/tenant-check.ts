import type { TenantSettings } from '../../../schemas/tenant-settings.schema';
import { AuthError } from '../../errors';
import { parseStoredTokens } from '../../qbo/auth/token-provider';
import { createQboClient } from '../../qbo/client/qbo-client';
import { createFleetRealmLimiter } from '../../qbo/budget/fleet-limiter';
import { secretNames } from '../../secrets/secret-store';
import { TENANT_CHECK } from '../command-specs';
import type { OpsCommand, OpsContext } from '../ops-context';
import { parseCommand } from '../spec';

/**
 * `tenant check ID`: does every account and item the tenant settings map exist in the QBO company, active, with a
 * type the recipes can post to? A wrong type is not caught by QBO until the first write fails (a fee expense
 * against a Bank account posts happily and is simply wrong), so this is checked before go-live, by name.
 */

export interface QboQuery {
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  /** Gives back what the access holds (the check's seats of the realm's QBO budget). */
  close?(): Promise<void>;
}

export interface MappingProblem {
  /** The settings key, e.g. `accounts.stripeFees`, `items.defaultItem`. */
  key: string;
  qboId?: string;
  problem: 'not_set' | 'missing' | 'inactive' | 'wrong_type';
  detail: string;
}

interface AccountRule {
  key: keyof NonNullable<TenantSettings['accounts']>;
  required: (settings: TenantSettings) => boolean;
  /** QBO AccountType values the recipes can post this to; undefined = any. */
  types?: readonly string[];
}

const always = () => true;
const payoutSummary = (settings: TenantSettings) => settings.mode === 'payout_summary';

const ACCOUNT_RULES: readonly AccountRule[] = [
  // The clearing account stands for the Stripe balance: payments land in it and payouts transfer out of it.
  { key: 'stripeClearing', required: always, types: ['Bank'] },
  { key: 'bank', required: always, types: ['Bank'] },
  { key: 'stripeFees', required: always, types: ['Expense', 'Other Expense'] },
  { key: 'disputes', required: () => false },
  { key: 'adjustments', required: () => false },
  { key: 'discountAccount', required: () => false },
  { key: 'income', required: payoutSummary, types: ['Income', 'Other Income'] },
  { key: 'refunds', required: payoutSummary, types: ['Income', 'Other Income', 'Expense', 'Other Expense'] },
];

const quoted = (id: string) => `'${id.replace(/'/g, "\\'")}'`;

async function findById(qbo: QboQuery, entity: 'Account' | 'Item', id: string) {
  const rows = await qbo.query(`select * from ${entity} where Id = ${quoted(id)}`);
  return rows[0];
}

export async function checkTenantMappings(settings: TenantSettings, qbo: QboQuery): Promise<MappingProblem[]> {
  const problems: MappingProblem[] = [];
  const accounts = settings.accounts ?? {};
  for (const rule of ACCOUNT_RULES) {
    const key = `accounts.${rule.key}`;
    const id = accounts[rule.key];
    if (!id) {
      if (rule.required(settings)) problems.push({ key, problem: 'not_set', detail: `${key} is not mapped` });
      continue;
    }
    const account = await findById(qbo, 'Account', id);
    if (!account) {
      problems.push({ key, qboId: id, problem: 'missing', detail: `${key}: no Account ${id} in the QBO company` });
      continue;
    }
    if (account.Active === false)
      problems.push({ key, qboId: id, problem: 'inactive', detail: `${key}: Account ${id} is inactive` });
    const type = typeof account.AccountType === 'string' ? account.AccountType : 'unknown';
    if (rule.types && !rule.types.includes(type))
      problems.push({
        key,
        qboId: id,
        problem: 'wrong_type',
        detail: `${key}: Account ${id} is of type ${type}; expected ${rule.types.join(' or ')}`,
      });
  }

  const items = settings.items ?? {};
  const itemChecks: Array<{ key: string; id: string | undefined; required: boolean }> = [
    { key: 'items.defaultItem', id: items.defaultItem, required: true },
    { key: 'items.taxItem', id: items.taxItem, required: false },
    ...Object.entries(items.byStripeProduct ?? {}).map(([product, id]) => ({
      key: `items.byStripeProduct.${product}`,
      id,
      required: false,
    })),
  ];
  for (const check of itemChecks) {
    if (!check.id) {
      if (check.required) problems.push({ key: check.key, problem: 'not_set', detail: `${check.key} is not mapped` });
      continue;
    }
    const item = await findById(qbo, 'Item', check.id);
    if (!item) {
      problems.push({
        key: check.key,
        qboId: check.id,
        problem: 'missing',
        detail: `${check.key}: no Item ${check.id} in the QBO company`,
      });
      continue;
    }
    if (item.Active === false)
      problems.push({
        key: check.key,
        qboId: check.id,
        problem: 'inactive',
        detail: `${check.key}: Item ${check.id} is inactive`,
      });
    // A Category cannot be put on a sales line; QBO rejects it only when the first invoice posts.
    if (item.Type === 'Category')
      problems.push({
        key: check.key,
        qboId: check.id,
        problem: 'wrong_type',
        detail: `${check.key}: Item ${check.id} is a Category; sales lines need a Service, NonInventory or Inventory item`,
      });
  }
  return problems;
}

const INTUIT_API_BASE = {
  sandbox: 'https://sandbox-quickbooks.api.intuit.com',
  production: 'https://quickbooks.api.intuit.com',
} as const;

/**
 * Read-only QBO access for the check, from the tenant's stored tokens. It does not refresh (refresh is the sync
 * functions' job, under a lease): an expired token is an AuthError that says so.
 */
async function storedTokenQbo(tenant: TenantSettings, context: OpsContext): Promise<QboQuery> {
  const tokens = parseStoredTokens(await context.secrets.read(secretNames.qboTokens(tenant.tenantId)));
  if (!tokens) throw new AuthError(`no QBO tokens for tenant ${tenant.tenantId}: run connect-qbo`);
  // The check's queries count against the same per-realm budget as the consumers': it takes seats like any instance.
  const limiter = createFleetRealmLimiter({
    syncState: context.stores.syncState,
    logger: context.logger,
  });
  const client = createQboClient({
    baseUrl: context.env.QBO_BASE_URL ?? INTUIT_API_BASE[tenant.qbo.environment],
    realmId: tenant.qbo.realmId,
    limiter,
    logger: context.logger,
    tokens: {
      getAccessToken: async () => tokens.access_token,
      refreshAfterUnauthorized: async () => {
        throw new AuthError(`QBO access token for tenant ${tenant.tenantId} expired; run any sync or connect-qbo`);
      },
    },
  });
  return { query: (sql) => client.query(sql) as Promise<Array<Record<string, unknown>>>, close: () => limiter.close() };
}

export function createTenantCheckCommand(
  qboFor: (tenant: TenantSettings, context: OpsContext) => Promise<QboQuery> = storedTokenQbo,
): OpsCommand {
  return async (argv, context, out) => {
    const {
      positionals: [tenantId],
      values,
    } = parseCommand(TENANT_CHECK, argv);
    const tenant = await context.stores.tenants.get(tenantId);
    if (!tenant) {
      out.stderr(`no tenant ${tenantId}`);
      return 1;
    }
    const qbo = await qboFor(tenant, context);
    const problems = await checkTenantMappings(tenant, qbo).finally(() => qbo.close?.());
    if (values.json) out.stdout(JSON.stringify({ tenantId, ok: problems.length === 0, problems }, null, 2));
    else
      out.stdout(
        problems.length === 0
          ? `tenant ${tenantId}: every mapped account and item exists with a suitable type`
          : [`tenant ${tenantId}: ${problems.length} problem(s)`, ...problems.map((p) => `  ${p.detail}`)].join('\n'),
      );
    return problems.length === 0 ? 0 : 1;
  };
}

/** `tenant check ID [--json]`: exit 0 when every mapping is usable, 1 with the problems named. */
export const tenantCheckCommand: OpsCommand = createTenantCheckCommand();
