import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyQboFault, parseQboFault } from '../../../shared/qbo/faults';
import {
  authFault,
  authorizationFault,
  faults,
  invalidGrant,
  systemFault,
  throttleFault,
  validationFault,
} from '../../../dev/qbo-simulator/fault-bodies';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(__dirname, '../../fixtures/qbo', name), 'utf8')) as unknown;

/** Keys and leaf types, arrays by their first element: "structurally identical" made checkable. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [shapeOf(value[0])] : [];
  if (value === null) return 'null';
  if (typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, shapeOf((value as Record<string, unknown>)[k])]),
    );
  return typeof value;
}

/** XML: the element/attribute skeleton, without text. */
function xmlSkeleton(xml: string): string[] {
  return [...xml.matchAll(/<\/?([A-Za-z]+)((?:\s+[a-z]+="[^"]*")*)\s*\/?>/g)].map(
    (m) => `${m[1] ?? ''}${[...(m[2] ?? '').matchAll(/([a-z]+)=/g)].map((a) => ` ${a[1] ?? ''}`).join('')}`,
  );
}

describe('simulator fault bodies are structurally identical to the real captures', () => {
  const now = Date.UTC(2020, 8, 29, 13, 58, 50, 262);

  it('6240 duplicate name matches fault-duplicate-name.json, text included', () => {
    const body = JSON.parse(validationFault(faults.duplicateName(), now).body) as { Fault: unknown; time: string };
    const real = fixture('fault-duplicate-name.json') as { Fault: unknown; time: string };
    expect(shapeOf(body)).toEqual(shapeOf(real));
    expect(body.Fault).toEqual(real.Fault);
    expect(body.time).toBe('2020-09-29T06:58:50.262-07:00');
  });

  it('4001 invalid query matches fault-invalid-query.json, text included', () => {
    const body = JSON.parse(
      validationFault(faults.invalidQuery('invalid context declaration: Custmoer'), now).body,
    ) as Record<string, unknown>;
    const real = fixture('fault-invalid-query.json') as Record<string, unknown>;
    expect(shapeOf(body)).toEqual(shapeOf(real));
    expect(body.Fault).toEqual(real.Fault);
  });

  it('2030 invalid id matches fault-invalid-id.json', () => {
    const body = JSON.parse(validationFault(faults.invalidId('1.5'), now).body) as Record<string, unknown>;
    expect(body.Fault).toEqual((fixture('fault-invalid-id.json') as Record<string, unknown>).Fault);
  });

  it('610 and 5010 match the per-item faults of batch-response.json', () => {
    const real = fixture('batch-response.json') as { BatchItemResponse: Array<{ Fault: { Error: unknown[] } }> };
    for (const [fault, index] of [
      [faults.objectNotFound(), 1],
      [faults.staleObject(), 2],
    ] as const) {
      const ours = JSON.parse(validationFault(fault, now).body) as { Fault: unknown };
      expect(shapeOf(ours.Fault)).toEqual(shapeOf(real.BatchItemResponse[index]?.Fault));
    }
    expect((JSON.parse(validationFault(faults.objectNotFound(), now).body) as { Fault: unknown }).Fault).toEqual(
      real.BatchItemResponse[1]?.Fault,
    );
  });

  it('the faults without a capture use the captured ValidationFault envelope', () => {
    const envelope = shapeOf(
      fixture('batch-response.json') && {
        Fault: { Error: [{ Message: '', Detail: '', code: '', element: '' }], type: '' },
        time: '',
      },
    );
    for (const fault of [
      faults.duplicateDocNumber('1', 'Invoice', '2'),
      faults.invalidReference('CustomerRef', '9'),
      faults.requiredParam('X'),
      faults.businessRule('x'),
    ]) {
      expect(shapeOf(JSON.parse(validationFault(fault, now).body))).toEqual(envelope);
    }
  });

  it('401 matches fault-auth-401.json: lower-case keys, epoch-ms time, null siblings', () => {
    expect(shapeOf(JSON.parse(authFault(now, 'ref1').body))).toEqual(shapeOf(fixture('fault-auth-401.json')));
  });

  it('throttle and system faults are XML with the captured skeleton and status', () => {
    const throttle = fixture('fault-throttle.json') as { status: number; contentType: string; body: string };
    const ours = throttleFault(now);
    expect(ours.status).toBe(throttle.status);
    expect(ours.contentType).toBe(throttle.contentType);
    expect(xmlSkeleton(ours.body)).toEqual(xmlSkeleton(throttle.body));
    expect(parseQboFault(ours.body)).toEqual(parseQboFault(throttle.body));
    const system = fixture('fault-system-10000.json') as { body: string };
    expect(xmlSkeleton(systemFault(now).body)).toEqual(xmlSkeleton(system.body));
    expect(parseQboFault(systemFault(now).body)?.errors[0]?.code).toBe('10000');
  });

  it('403 ApplicationAuthorizationFailed is the body integrators quote from production logs, and the product reads it as auth', () => {
    // No licensed capture: integrators' logs and fixtures quote this body, always with type SERVICE and a null detail.
    const reply = authorizationFault();
    expect(reply.status).toBe(403);
    expect(JSON.parse(reply.body)).toEqual({
      fault: {
        error: [
          {
            message: 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403',
            detail: null,
            code: '3100',
            element: null,
          },
        ],
        type: 'SERVICE',
      },
    });
    expect(classifyQboFault(parseQboFault(reply.body), { status: 403 })).toMatchObject({
      code: 'qbo_3100',
      failureClass: 'auth',
    });
  });

  it('invalid_grant matches oauth-error-invalid-grant.json exactly', () => {
    expect(JSON.parse(invalidGrant().body)).toEqual(fixture('oauth-error-invalid-grant.json'));
  });
});
