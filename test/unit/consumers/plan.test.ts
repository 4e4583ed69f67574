import { planEvent, withEnsuredCustomers } from '../../../shared/consumers/plan';
import { createRecorder } from '../../../shared/consumers/record';
import { buildPlan } from '../../../shared/accounting/plan';
import { buildEvent, buildInvoice, buildSettings } from '../accounting/factories';
import { MemoryReviewQueue, RecordingAuditSink } from './fakes';

function setUp() {
  const audit = new RecordingAuditSink();
  const reviewQueue = new MemoryReviewQueue();
  const recorder = createRecorder({
    functionName: 'sync-invoice',
    audit,
    reviewQueue,
    now: () => new Date('2026-01-15T12:00:00.000Z'),
  });
  return { audit, reviewQueue, deps: { recorder, reviewQueue } };
}

const invoice = (overrides: Record<string, unknown> = {}) =>
  buildEvent('invoice.finalized', buildInvoice({ customer_name: 'Harbour Supplies', ...overrides }));

describe('plan', () => {
  it('records a skip and ends the run (an event type we do not handle)', async () => {
    const { audit, deps } = setUp();
    const event = buildEvent('invoice.upcoming', buildInvoice());
    expect(await planEvent(event, { event }, buildSettings(), deps)).toEqual({ ready: false, outcome: 'skipped' });
    expect(audit.records).toEqual([expect.objectContaining({ outcome: 'skipped', reason: 'unhandled_type' })]);
  });

  it('parks a plan the tenant settings cannot complete, naming every missing key, with the plan', async () => {
    const { audit, reviewQueue, deps } = setUp();
    const tenant = buildSettings({ items: {} });
    const event = invoice({ lineSpecs: [{ amount: 1000, product: 'prod_unmapped' }] });
    expect(await planEvent(event, { event }, tenant, deps)).toEqual({ ready: false, outcome: 'parked' });
    const item = await reviewQueue.get('acme:in_test1:invoice.finalized');
    expect(item).toMatchObject({ reason: 'settings_incomplete', failureClass: 'settings', event });
    expect(audit.records[0]).toMatchObject({ outcome: 'parked', failureClass: 'settings', detail: item!.detail });
    expect(item!.detail).toContain('items.defaultItem');
  });

  it('dry-run keeps the plan and posts nothing', async () => {
    const { audit, reviewQueue, deps } = setUp();
    const tenant = buildSettings({ flags: { dryRun: true, autoPost: true } });
    const event = invoice();
    expect(await planEvent(event, { event }, tenant, deps)).toEqual({ ready: false, outcome: 'planned' });
    const item = await reviewQueue.get('acme:in_test1:invoice.finalized');
    expect(item).toMatchObject({ reason: 'dry_run', proposal: buildPlan({ event, settings: tenant }) });
    expect(audit.records[0]).toMatchObject({ outcome: 'planned', reason: 'dry_run' });
  });

  it('autoPost off waits for a person, and posts once the item is approved', async () => {
    const { reviewQueue, deps } = setUp();
    const tenant = buildSettings({ flags: { dryRun: false, autoPost: false } });
    const event = invoice();
    expect(await planEvent(event, { event }, tenant, deps)).toEqual({ ready: false, outcome: 'parked' });
    await reviewQueue.setStatus('acme:in_test1:invoice.finalized', 'approved', '2026-01-15T13:00:00.000Z');
    const approved = await planEvent(event, { event }, tenant, deps);
    expect(approved.ready && approved.steps.map((step) => step.operation.entity)).toEqual(['Customer', 'Invoice']);
  });

  it('plans from the enriched snapshot but records against the event as delivered', async () => {
    const { reviewQueue, deps } = setUp();
    const tenant = buildSettings({ flags: { dryRun: true, autoPost: true } });
    const delivered = invoice();
    const enriched = { event: { ...delivered, object: { ...delivered.object, extra: 'read from Stripe' } } };
    await planEvent(delivered, enriched, tenant, deps);
    expect((await reviewQueue.get('acme:in_test1:invoice.finalized'))!.event).toEqual(delivered);
  });
});

describe('ensure steps', () => {
  const tenant = buildSettings();

  it("put the customer an invoice names before the invoice, planned as the customer's own event would be", () => {
    const event = invoice({ customer_email: 'ap@harbour.example' });
    const steps = withEnsuredCustomers(event, tenant, buildPlan({ event, settings: tenant }).operations);
    expect(steps.map((step) => [step.operation.entity, step.ensure])).toEqual([
      ['Customer', true],
      ['Invoice', false],
    ]);
    const [customer, document] = steps;
    expect(customer!.event).toMatchObject({
      eventId: event.eventId,
      type: 'customer.created',
      entity: 'customer',
      objectId: 'cus_test1',
    });
    const own = buildPlan({ event: customer!.event, settings: tenant }).operations[0]!;
    expect(customer!.operation).toEqual(own);
    expect(customer!.operation.body).toMatchObject({
      DisplayName: 'Harbour Supplies',
      PrimaryEmailAddr: { Address: 'ap@harbour.example' },
    });
    expect(document!.event).toBe(event);
  });

  it('are not planned for a customer from before the go-live cutoff: the document waits for its own sync', () => {
    const event = invoice({ created: 946_684_700 });
    const late = buildSettings({ goLiveAt: '2000-01-01T00:00:00Z' });
    const operations = buildPlan({ event: invoice(), settings: late }).operations;
    expect(withEnsuredCustomers(event, late, operations).map((step) => step.ensure)).toEqual([false]);
  });

  it('are not planned when the snapshot cannot describe the customer (a credit note, a payment)', () => {
    const operations = buildPlan({ event: invoice(), settings: tenant }).operations;
    const creditNote = buildEvent('credit_note.created', { id: 'cn_1', object: 'credit_note', customer: 'cus_test1' });
    expect(withEnsuredCustomers(creditNote, tenant, operations).map((step) => step.ensure)).toEqual([false]);
  });
});
