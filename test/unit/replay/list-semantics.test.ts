import { newestFirst, paginate, type StripeRecord } from '../../../dev/stripe-stand-in/list-semantics';

const objects: StripeRecord[] = Array.from({ length: 25 }, (_, i) => ({
  id: `cus_${i}`,
  object: 'customer',
  created: 100 + i,
}));
const sorted = newestFirst(objects);

describe("the stand-in follows Stripe's list semantics", () => {
  test('default limit 10, newest first, has_more and url', () => {
    const page = paginate(sorted, {}, '/v1/customers', 'customer');
    expect(page.status).toBe(200);
    if (page.status !== 200) return;
    expect(page.body.data.map((o) => o.id).slice(0, 2)).toEqual(['cus_24', 'cus_23']);
    expect(page.body.data).toHaveLength(10);
    expect(page.body).toMatchObject({ object: 'list', url: '/v1/customers', has_more: true });
  });

  test('starting_after walks to the last page, where has_more is false', () => {
    const page = paginate(sorted, { limit: '10', startingAfter: 'cus_5' }, '/v1/customers', 'customer');
    expect(page.status === 200 && page.body.data.map((o) => o.id)).toEqual([
      'cus_4',
      'cus_3',
      'cus_2',
      'cus_1',
      'cus_0',
    ]);
    expect(page.status === 200 && page.body.has_more).toBe(false);
  });

  test('ending_before returns the newer neighbours of the cursor', () => {
    const page = paginate(sorted, { limit: '3', endingBefore: 'cus_10' }, '/v1/customers', 'customer');
    expect(page.status === 200 && page.body.data.map((o) => o.id)).toEqual(['cus_13', 'cus_12', 'cus_11']);
    expect(page.status === 200 && page.body.has_more).toBe(true);
  });

  test('limit out of 1..100, both cursors, or an unknown cursor are Stripe errors', () => {
    expect(paginate(sorted, { limit: '101' }, '/v1/customers', 'customer').status).toBe(400);
    expect(
      paginate(sorted, { startingAfter: 'cus_1', endingBefore: 'cus_2' }, '/v1/customers', 'customer').status,
    ).toBe(400);
    const missing = paginate(sorted, { startingAfter: 'cus_nope' }, '/v1/customers', 'customer');
    expect(missing).toMatchObject({
      status: 404,
      body: { error: { type: 'invalid_request_error', code: 'resource_missing' } },
    });
  });
});
