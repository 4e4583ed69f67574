import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plan, PlannedOperation } from '../../../shared/accounting/plan';
import { currencyExponent } from '../../../shared/accounting/plan';
import { runPreview } from '../../../shared/cli/commands/preview';
import { FIXTURES } from './factories';

const EVENT_FIXTURES = readdirSync(FIXTURES).filter((name) => /^event-.*\.json$/.test(name));
const at = (name: string): string => join(FIXTURES, name);

async function preview(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runPreview(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    readFile: (path) => readFile(path, 'utf8'),
  });
  return { code, stdout, stderr };
}

const LINE_DETAIL = new Set([
  'SalesItemLineDetail',
  'DiscountLineDetail',
  'DepositLineDetail',
  'JournalEntryLineDetail',
]);
const REQUIRED: Record<string, string[]> = {
  Customer: ['DisplayName'],
  Invoice: ['CustomerRef', 'Line'],
  CreditMemo: ['CustomerRef', 'Line'],
  SalesReceipt: ['Line', 'DepositToAccountRef'],
  RefundReceipt: ['Line', 'DepositToAccountRef'],
  Payment: ['CustomerRef', 'TotalAmt'],
  Deposit: ['DepositToAccountRef', 'Line'],
  JournalEntry: ['Line'],
  Transfer: ['FromAccountRef', 'ToAccountRef', 'Amount'],
};

/**
 * The QBO v3 request shape we rely on, checked structurally: every `…Ref` is `{value}` (settings resolved) or a
 * `{$ref}` (another Stripe object's QBO object), amounts carry no more decimals than the currency has, lines
 * name their detail type and carry it, and every body has the recovery marker.
 */
function qboProblems(operation: PlannedOperation): string[] {
  const problems: string[] = [];
  const exponent = currencyExponent(operation.currency);
  const checkAmount = (path: string, value: unknown): void => {
    if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${path} is not a number`);
    else if (Math.abs(Math.round(value * 10 ** exponent) - value * 10 ** exponent) > 1e-6)
      problems.push(`${path} ${value} has more than ${exponent} decimals`);
  };
  const walk = (path: string, value: unknown): void => {
    if (Array.isArray(value)) return value.forEach((item, i) => walk(`${path}[${i}]`, item));
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const here = `${path}.${key}`;
      if (key.endsWith('Ref') || key === 'TxnId') {
        const ref = child as { value?: unknown; $ref?: unknown };
        const ok =
          (typeof ref.$ref === 'string' && /^[a-z]+:[^:]+/.test(ref.$ref)) ||
          (key === 'CurrencyRef'
            ? /^[A-Z]{3}$/.test(String(ref.value))
            : // A US company's tax codes are TAX and NON; everywhere else ids are numeric.
              key === 'TaxCodeRef'
              ? /^([0-9]+|TAX|NON)$/.test(String(ref.value))
              : /^[0-9]+$/.test(String(ref.value)));
        if (!ok) problems.push(`${here} is not a QBO reference: ${JSON.stringify(child)}`);
      } else if (['Amount', 'TotalAmt', 'UnitPrice'].includes(key)) checkAmount(here, child);
      else walk(here, child);
    }
  };
  const body = operation.body;
  walk('body', body);
  // A QBO Customer has Notes and no PrivateNote (DESIGN section 5): its marker lives there.
  const noteField = operation.entity === 'Customer' ? 'Notes' : 'PrivateNote';
  if (!String(body[noteField]).startsWith(`stripe:${operation.stripeId}`))
    problems.push(`${noteField} lacks the marker`);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(operation.requestId))
    problems.push('requestId is not a UUIDv5');
  if (operation.docNumber !== undefined && operation.docNumber.length > 21) problems.push('DocNumber over 21');
  if (body.TxnDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(body.TxnDate))) problems.push('TxnDate');
  if (operation.operation === 'create') {
    for (const field of REQUIRED[operation.entity] ?? [])
      if (body[field] === undefined) problems.push(`missing ${field}`);
    for (const line of (body.Line as Record<string, unknown>[] | undefined) ?? []) {
      const type = line.DetailType;
      if (type !== undefined && (!LINE_DETAIL.has(String(type)) || typeof line[String(type)] !== 'object'))
        problems.push(`line detail ${String(type)} missing`);
    }
  } else if (operation.target === undefined) problems.push(`${operation.operation} without target`);
  return problems;
}

describe('stripe-qbo preview', () => {
  it.each(EVENT_FIXTURES)('prints a plan of valid QBO bodies for %s', async (name) => {
    const { code, stdout, stderr } = await preview(['--tenant', at('tenant-acme.json'), at(name)]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as Plan;
    expect(Array.isArray(plan.operations)).toBe(true);
    expect(plan.operations.length > 0 || plan.skipped !== undefined || plan.parked !== undefined).toBe(true);
    for (const operation of plan.operations) expect(qboProblems(operation)).toEqual([]);
  });

  it('prints a Deposit for the real BRL payout with its balance transactions', async () => {
    const { code, stdout } = await preview([
      '--tenant',
      at('tenant-brl.json'),
      '--balance-transactions',
      at('composed-balance-transactions-po_1CdprNLlCJ9CeQRefEuMMLo6.json'),
      at('event-payout.paid.json'),
    ]);
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as Plan;
    expect(plan.operations.map((o) => [o.entity, o.expectedTotal, o.txnDate])).toEqual([
      ['Deposit', '73.11', '2018-06-18'],
    ]);
    for (const operation of plan.operations) expect(qboProblems(operation)).toEqual([]);
  });

  it('prints the reversal of the real failed BRL payout', async () => {
    const { stdout } = await preview([
      '--tenant',
      at('tenant-brl.json'),
      '--balance-transactions',
      at('composed-balance-transactions-po_1CgNDoAcSPl6ox0ljXdVYWx3.json'),
      at('event-payout.failed.json'),
    ]);
    const plan = JSON.parse(stdout) as Plan;
    // The payout's own booking comes first; the reversal follows it.
    expect(plan.operations.find((operation) => operation.stripeId.endsWith('/failed'))).toMatchObject({
      entity: 'JournalEntry',
      target: { $ref: 'deposit:po_1CgNDoAcSPl6ox0ljXdVYWx3' },
    });
    for (const operation of plan.operations) expect(qboProblems(operation)).toEqual([]);
  });

  it('prints a valid Invoice for the real multi-line invoice fixture wrapped in an event', async () => {
    const object = JSON.parse(await readFile(at('object-invoice-multiline-discount-tax.json'), 'utf8')) as unknown;
    const event = JSON.stringify({
      id: 'evt_1',
      object: 'event',
      type: 'invoice.finalized',
      created: 1744986363,
      livemode: false,
      data: { object },
    });
    const { code, stdout } = await runPreviewWith(event);
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as Plan;
    expect(plan.operations[0]?.expectedTotal).toBe('245.12');
    for (const operation of plan.operations) expect(qboProblems(operation)).toEqual([]);
  });

  it('prints the mapped item for a mapped product, and a $ref to the item of the same name for an unmapped one', async () => {
    const object = JSON.parse(await readFile(at('object-invoice-multiline-discount-tax.json'), 'utf8')) as unknown;
    const event = JSON.stringify({
      id: 'evt_1',
      object: 'event',
      type: 'invoice.finalized',
      created: 1744986363,
      livemode: false,
      data: { object },
    });
    const tenant = JSON.parse(await readFile(at('tenant-acme.json'), 'utf8')) as { items: Record<string, unknown> };
    const itemRefs = (stdout: string) =>
      (JSON.parse(stdout) as Plan).operations.flatMap((operation) =>
        (operation.body.Line as { SalesItemLineDetail?: { ItemRef: unknown } }[]).flatMap((line) =>
          line.SalesItemLineDetail ? [line.SalesItemLineDetail.ItemRef] : [],
        ),
      );
    const mapped = await runPreviewWith(event);
    expect(itemRefs(mapped.stdout)).toEqual([{ value: '5' }, { value: '5' }, { value: '2' }]);
    const unmapped = await runPreviewWith(
      event,
      JSON.stringify({ ...tenant, items: { ...tenant.items, byStripeProduct: {} } }),
    );
    expect(unmapped.code).toBe(0);
    expect(itemRefs(unmapped.stdout)).toEqual([
      { $ref: 'item:prod_IxQQWtyij0rvGp' },
      { $ref: 'item:prod_IxQQWtyij0rvGp' },
      { value: '2' },
    ]);
    for (const operation of (JSON.parse(unmapped.stdout) as Plan).operations)
      expect(qboProblems(operation)).toEqual([]);
  });

  async function runPreviewWith(eventJson: string, tenantJson?: string): Promise<{ code: number; stdout: string }> {
    let stdout = '';
    const code = await runPreview(['--tenant', 'tenant.json', 'event.json'], {
      stdout: (s) => (stdout += s),
      stderr: () => undefined,
      readFile: (path) =>
        path === 'event.json'
          ? Promise.resolve(eventJson)
          : tenantJson !== undefined
            ? Promise.resolve(tenantJson)
            : readFile(at('tenant-acme.json'), 'utf8'),
    });
    return { code, stdout };
  }

  it.each([
    [['--tenant', 'tenant-acme.json'], 2, 'event file is required'],
    [['event.json'], 2, '--tenant is required'],
    [['--tenant', 'tenant-acme.json', '--bogus', 'x.json'], 2, 'unknown option'],
    [['--tenant', 'nope.json', 'event-customer.created.json'], 1, 'cannot read tenant file'],
    [['--tenant', 'event-customer.created.json', 'event-customer.created.json'], 1, 'tenant-settings invalid'],
    [['--tenant', 'tenant-acme.json', 'README.md'], 1, 'is not JSON'],
    [['--tenant', 'tenant-acme.json', 'object-charge.json'], 1, 'not a usable Stripe event'],
  ])('refuses unusable input %p with exit %d', async (args, exit, message) => {
    const argv = args.map((arg) => (arg.startsWith('--') ? arg : at(arg)));
    const { code, stdout, stderr } = await preview(argv);
    expect(code).toBe(exit);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
  });
});
