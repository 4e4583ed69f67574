import type { Ledger } from '../../../shared/stores/ports';
import { buildEvent, buildInvoice, buildSettings } from '../accounting/factories';
import { memoryStores, push, testConsumer } from './fakes';

/** An invoice whose snapshot names its customer, as Stripe's invoice.finalized does. */
const invoiceEvent = () =>
  buildEvent(
    'invoice.finalized',
    buildInvoice({ customer_name: 'Harbour Supplies', customer_email: 'ap@harbour.example' }),
  );

describe('the consumer pipeline: post → verify → link', () => {
  it('a totals mismatch leaves no posted row and no link record; it is parked naming the QBO id, and a redelivery does not post again', async () => {
    const stores = memoryStores(buildSettings());
    const { consumer, qbo, audit } = testConsumer({ stores });
    stores.ledger.posted('acme', 'cus_test1', '7');
    qbo.totalAmt.Invoice = '99.99';
    const event = invoiceEvent();

    expect(await push(consumer, event)).toBe(204);
    const [invoice] = qbo.entities('Invoice');
    expect(qbo.entities('Invoice')).toHaveLength(1);
    const qboId = String(invoice!.Id);
    expect(audit.records.filter((row) => row.outcome === 'posted')).toEqual([]);
    expect(audit.links).toEqual([]);
    expect(audit.records).toEqual([
      expect.objectContaining({ outcome: 'parked', reason: 'totals_mismatch', stripeId: 'in_test1', qboId }),
    ]);
    expect(audit.records[0]!.detail).toContain(`qboId=${qboId}`);
    const review = await stores.reviewQueue.get('acme:in_test1:invoice.finalized');
    expect(review).toMatchObject({ reason: 'totals_mismatch', status: 'open' });
    expect(review!.detail).toContain(`qboId=${qboId}`);
    // The ledger keeps the QBO id: the write happened, exactly once.
    expect(await stores.ledger.get({ tenantId: 'acme', stripeId: 'in_test1', operation: 'create' })).toMatchObject({
      state: 'posted',
      qboId,
    });

    expect(await push(consumer, event, 2)).toBe(204);
    expect(qbo.entities('Invoice')).toHaveLength(1);
    expect(audit.links).toEqual([]);
    expect(audit.records.filter((row) => row.outcome === 'posted')).toEqual([]);
    expect(audit.records.at(-1)).toMatchObject({ outcome: 'skipped', reason: 'already_linked', qboId });
    // The redelivery verified nothing: the item stays open for the person who must look at the QBO object.
    expect(await stores.reviewQueue.get('acme:in_test1:invoice.finalized')).toMatchObject({ status: 'open' });
  });

  it('a verified write publishes its link record before its posted row', async () => {
    const stores = memoryStores(buildSettings());
    const { consumer, qbo, audit } = testConsumer({ stores });
    stores.ledger.posted('acme', 'cus_test1', '7');
    qbo.totalAmt.Invoice = '100.00';

    expect(await push(consumer, invoiceEvent())).toBe(204);
    const qboId = String(qbo.entities('Invoice')[0]!.Id);
    expect(audit.rows.map((row) => `${row.kind}:${row.record.stripeId}`)).toEqual(['link:in_test1', 'audit:in_test1']);
    expect(audit.records[0]).toMatchObject({ outcome: 'posted', reason: 'created', qboId, amount: '100.00' });
    expect(qbo.entities('Invoice')[0]!.CustomerRef).toEqual({ value: '7' });
  });
});

describe('a customer the document needs is an earlier step of its plan', () => {
  it('an invoice whose customer QBO lacks creates it first, from the snapshot, once, with its own rows', async () => {
    const stores = memoryStores(buildSettings());
    const { consumer, qbo, audit } = testConsumer({ stores });
    const event = invoiceEvent();

    expect(await push(consumer, event)).toBe(204);
    expect(qbo.requests.filter((request) => request.startsWith('create'))).toEqual([
      'create Customer',
      'create Invoice',
    ]);
    const [customer] = qbo.entities('Customer');
    expect(customer).toMatchObject({
      DisplayName: 'Harbour Supplies',
      PrimaryEmailAddr: { Address: 'ap@harbour.example' },
    });
    expect(qbo.entities('Invoice')[0]!.CustomerRef).toEqual({ value: customer!.Id });
    expect(audit.rows.map((row) => `${row.kind}:${row.record.stripeId}`)).toEqual([
      'link:cus_test1',
      'audit:cus_test1',
      'link:in_test1',
      'audit:in_test1',
    ]);
    expect(audit.records[0]).toMatchObject({
      outcome: 'posted',
      reason: 'created',
      eventId: event.eventId,
      eventType: 'customer.created',
      entity: 'customer',
      qboEntity: 'Customer',
      qboId: customer!.Id,
    });
    expect(audit.links[0]).toMatchObject({ stripeObject: 'customer', qboEntity: 'Customer', operation: 'create' });
    // The email is claimed for this customer, so another Stripe customer with it links to the same QBO customer.
    const claims = [...stores.syncState.values.values()].map((entry) => entry.value);
    expect(claims).toEqual([expect.objectContaining({ owner: 'cus_test1', result: { qboId: customer!.Id } })]);

    const rowsBefore = audit.rows.length;
    expect(await push(consumer, event, 2)).toBe(204);
    expect(qbo.entities('Customer')).toHaveLength(1);
    expect(qbo.entities('Invoice')).toHaveLength(1);
    // The customer being there already is the normal case: only the invoice says anything.
    expect(audit.rows.slice(rowsBefore).map((row) => `${row.record.stripeId}:${row.kind}`)).toEqual(['in_test1:audit']);
    expect(audit.records.at(-1)).toMatchObject({ outcome: 'skipped', reason: 'already_linked' });
  });

  it('a customer another consumer posted a moment ago adds no row to the invoice audit', async () => {
    const stores = memoryStores(buildSettings());
    stores.ledger.posted('acme', 'cus_test1', '7');
    // sync-customer committed the customer just after this attempt's ledger read.
    const staleReads: Ledger = {
      ...stores.ledger,
      get: async (key) => (key.stripeId === 'cus_test1' ? undefined : stores.ledger.get(key)),
      reserve: (request) => stores.ledger.reserve(request),
      commit: (key, owner, result) => stores.ledger.commit(key, owner, result),
      release: (key, owner, outcome) => stores.ledger.release(key, owner, outcome),
      list: (tenantId) => stores.ledger.list(tenantId),
    };
    const { consumer, qbo, audit } = testConsumer({ stores: { ...stores, ledger: staleReads } });

    expect(await push(consumer, invoiceEvent())).toBe(204);
    expect(qbo.entities('Customer')).toHaveLength(0);
    expect(qbo.entities('Invoice')[0]!.CustomerRef).toEqual({ value: '7' });
    expect(audit.rows.map((row) => `${row.kind}:${row.record.stripeId}`)).toEqual(['link:in_test1', 'audit:in_test1']);
  });

  it('an existing QBO customer with the same email is linked, not created again', async () => {
    const { consumer, qbo, audit } = testConsumer({ stores: memoryStores(buildSettings()) });
    const existing = qbo.seed('Customer', {
      DisplayName: 'Harbour',
      PrimaryEmailAddr: { Address: 'AP@harbour.example' },
    });

    expect(await push(consumer, invoiceEvent())).toBe(204);
    expect(qbo.entities('Customer')).toHaveLength(1);
    expect(qbo.entities('Invoice')[0]!.CustomerRef).toEqual({ value: existing.Id });
    expect(audit.links[0]).toMatchObject({ stripeId: 'cus_test1', qboId: existing.Id, operation: 'link' });
    expect(audit.records[0]).toMatchObject({ stripeId: 'cus_test1', outcome: 'posted', reason: 'recovered' });
  });
});
