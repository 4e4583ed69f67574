import { createLogger } from '../../../shared/observability/logger';
import { classifyQboFault } from '../../../shared/qbo/faults';
import { serializeError } from '../../../shared/observability/serialize-error';
import { PermanentError } from '../../../shared/errors';

/** A logger writing into an array, one parsed JSON object per line. */
function capture(level = 'debug') {
  const lines: string[] = [];
  const logger = createLogger({
    functionName: 'test',
    level,
    destination: { write: (line: string) => lines.push(line) },
  });
  return { logger, lines, text: () => lines.join('') };
}

const JANE = 'Jane Q. Customer';
const EMAIL = 'jane.customer@example.com';

describe('the logger keeps personal data and secrets out of every line', () => {
  it('redacts personal data at any depth, not only one level down', () => {
    const { logger, text } = capture();
    logger.info(
      {
        event: {
          object: {
            id: 'ch_1',
            customer_email: EMAIL,
            customer_name: JANE,
            billing_details: { name: JANE, email: EMAIL, phone: '+1 555 0100', address: { line1: '1 Main St' } },
            shipping: { name: JANE, address: { line1: '1 Main St', city: 'Springfield' } },
          },
        },
        qbo: {
          Customer: { DisplayName: JANE, PrimaryEmailAddr: { Address: EMAIL }, BillAddr: { Line1: '1 Main St' } },
        },
      },
      'deep object',
    );
    const line = text();
    expect(line).toContain('ch_1');
    for (const leaked of [EMAIL, JANE, '1 Main St', '555 0100', 'Springfield']) expect(line).not.toContain(leaked);
  });

  it('censors email addresses and token-shaped strings wherever they appear, message included', () => {
    const { logger, text } = capture();
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl';
    logger.warn(
      { note: `sent to ${EMAIL}`, header: `Bearer ${jwt}`, list: [[{ deeper: `whsec_${'a'.repeat(32)}` }]] },
      `mail ${EMAIL}`,
    );
    const line = text();
    expect(line).not.toContain(EMAIL);
    expect(line).not.toContain(jwt);
    expect(line).not.toContain('whsec_aaaa');
    expect(line).toContain('sent to');
  });

  it("logs a QBO fault by its codes, never QBO's Detail text (which quotes customer names)", () => {
    const { logger, text } = capture();
    const fault = classifyQboFault(
      {
        type: 'ValidationFault',
        errors: [
          {
            code: '6240',
            message: 'Duplicate Name Exists Error',
            detail: `The name supplied already exists. : ${JANE}`,
            element: undefined,
          },
        ],
      },
      { status: 400, intuitTid: 'tid-1', operation: 'create Customer' },
    );
    logger.error({ err: fault, nested: { cause: fault } }, 'qbo failed');
    const line = text();
    expect(line).not.toContain(JANE);
    expect(line).not.toContain('already exists');
    const parsed = JSON.parse(line) as { err: Record<string, unknown> };
    expect(parsed.err).toMatchObject({
      type: 'QboDuplicateError',
      code: 'qbo_6240',
      statusCode: 400,
      intuitTid: 'tid-1',
    });
  });

  it('serializes every error through one function that keeps codes and drops free text', () => {
    const plain = Object.assign(new Error(`customer ${EMAIL} not found`), { code: 'ENOTFOUND' });
    expect(serializeError(plain)).toEqual(expect.objectContaining({ type: 'Error', code: 'ENOTFOUND' }));
    expect(JSON.stringify(serializeError(plain))).not.toContain(EMAIL);
    const ours = new PermanentError(`rejected for ${JANE}`, { code: 'qbo_6000', detail: '6000@Line' });
    expect(serializeError(ours)).toEqual(
      expect.objectContaining({
        type: 'PermanentError',
        code: 'qbo_6000',
        failureClass: 'rejected',
        detail: '6000@Line',
      }),
    );
    expect(JSON.stringify(serializeError(ours))).not.toContain(JANE);
    const { logger, text } = capture();
    logger.error(ours);
    expect(text()).not.toContain(JANE);
    expect(text()).toContain('qbo_6000');
  });

  it('survives cycles and keeps ids, counters and Cloud Logging fields', () => {
    const { logger, lines } = capture();
    const cyclic: Record<string, unknown> = { tenantId: 'acme', posted: 1 };
    cyclic.self = cyclic;
    logger.info(cyclic, 'cycle');
    const parsed = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(parsed).toMatchObject({ tenantId: 'acme', posted: 1, severity: 'INFO', function: 'test', message: 'cycle' });
  });
});
