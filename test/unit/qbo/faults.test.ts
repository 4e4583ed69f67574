import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyError } from '../../../shared/errors';
import {
  QboAuthError,
  QboDuplicateError,
  QboServerError,
  QboStaleObjectError,
  QboThrottleError,
  QboValidationError,
  classifyQboFault,
  parseQboFault,
  parseRetryAfter,
} from '../../../shared/qbo/faults';

const raw = (name: string): string => readFileSync(join(__dirname, '../../fixtures/qbo', name), 'utf8');
const xmlBody = (name: string): string => (JSON.parse(raw(name)) as { body: string }).body;

describe('QBO fault parsing and classification (DESIGN section 7)', () => {
  it.each([
    ['fault-duplicate-name.json', 400, QboDuplicateError, 'qbo_6240', 'rejected'],
    ['fault-invalid-query.json', 400, QboValidationError, 'qbo_4001', 'rejected'],
    ['fault-invalid-id.json', 400, QboValidationError, 'qbo_2030', 'rejected'],
    ['fault-unsupported-property.json', 400, QboValidationError, 'qbo_2010', 'rejected'],
    ['fault-auth-401.json', 401, QboAuthError, 'qbo_401', 'auth'],
  ])('%s (HTTP %i) → %p %s', (file, status, type, code, failureClass) => {
    const fault = parseQboFault(raw(file));
    expect(fault?.errors[0]?.code).toMatch(/^\d+$/);
    const error = classifyQboFault(fault, { status });
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ code, failureClass, statusCode: status });
    // The classifier is the one the consumers call: QBO errors pass through it unchanged.
    expect(classifyError(error)).toBe(error);
  });

  it('reads the XML throttle body QBO sends despite Accept: application/json, and it is retryable', () => {
    const fault = parseQboFault(xmlBody('fault-throttle.json'));
    expect(fault).toEqual({
      type: 'SERVICE',
      errors: [
        {
          code: '3001',
          message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429',
          detail: 'The request limit was reached.  Try again later',
          element: undefined,
        },
      ],
    });
    const error = classifyQboFault(fault, { status: 429, retryAfterMs: 2000 });
    expect(error).toBeInstanceOf(QboThrottleError);
    expect(error).toMatchObject({ code: 'qbo_3001', failureClass: 'retryable', retryAfterMs: 2000 });
    // A 3001 under another status (the 2016 variant said 403) is still a throttle.
    expect(classifyQboFault(fault, { status: 403 })).toBeInstanceOf(QboThrottleError);
  });

  it('reads the XML SystemFault 10000 as retryable whatever the status', () => {
    const fault = parseQboFault(xmlBody('fault-system-10000.json'));
    expect(fault?.type).toBe('SystemFault');
    expect(classifyQboFault(fault, { status: 400 })).toBeInstanceOf(QboServerError);
    expect(classifyQboFault(fault, { status: 500 })).toMatchObject({ code: 'qbo_10000', failureClass: 'retryable' });
    expect(classifyQboFault(undefined, { status: 503 })).toMatchObject({ code: 'qbo_503', failureClass: 'retryable' });
  });

  it('sorts the per-item batch faults: 610 rejected, 5010 retryable after a re-read', () => {
    const batch = JSON.parse(raw('batch-response.json')) as { BatchItemResponse: unknown[] };
    const [notFound, stale] = [batch.BatchItemResponse[1], batch.BatchItemResponse[2]].map((item) =>
      classifyQboFault(parseQboFault(item), { status: 200 }),
    );
    expect(notFound).toMatchObject({ code: 'qbo_610', failureClass: 'rejected' });
    expect(stale).toBeInstanceOf(QboStaleObjectError);
    expect(stale).toMatchObject({ code: 'qbo_5010', failureClass: 'retryable' });
  });

  it('6140, 2500 and 6000 classify as the consumer expects', () => {
    const fault = (code: string) => ({
      type: 'ValidationFault',
      errors: [{ code, message: 'm', detail: 'd', element: undefined }],
    });
    expect(classifyQboFault(fault('6140'), { status: 400 })).toMatchObject({
      code: 'qbo_6140',
      lookUp: true,
      failureClass: 'rejected',
    });
    expect(classifyQboFault(fault('2500'), { status: 400 })).toMatchObject({
      code: 'qbo_2500',
      failureClass: 'rejected',
    });
    expect(classifyQboFault(fault('6000'), { status: 400 })).toMatchObject({
      code: 'qbo_6000',
      failureClass: 'rejected',
    });
  });

  it('403 ApplicationAuthorizationFailed (3100) is an authorization failure for the tenant, not a retry', () => {
    const body = {
      fault: {
        error: [{ message: 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403', code: '3100' }],
        type: 'AUTHORIZATION',
      },
    };
    const error = classifyQboFault(parseQboFault(body), { status: 403 });
    expect(error).toBeInstanceOf(QboAuthError);
    expect(error).toMatchObject({ code: 'qbo_3100', failureClass: 'auth', retryable: false, statusCode: 403 });
  });

  it('keeps QBO detail text (names, token fragments) out of the error detail', () => {
    const error = classifyQboFault(parseQboFault(raw('fault-auth-401.json')), { status: 401 });
    expect(error.detail).toBe('3200');
    expect(error.message).not.toContain('AB01601390262');
  });

  it('a non-QBO body is no fault', () => {
    expect(parseQboFault('<html>gateway</html>')).toBeUndefined();
    expect(parseQboFault('not json')).toBeUndefined();
    expect(parseQboFault({ Customer: {} })).toBeUndefined();
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});
