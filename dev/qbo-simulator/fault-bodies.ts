/**
 * Response bodies shaped exactly like the real captures in ../shared/fixtures/qbo/ (a test compares them key by
 * key). Where no licensed capture exists (6140, 2500, 2020, 6000, the batch-size limit) the message and detail
 * follow the strings Intuit publishes for those codes; the envelope is the captured ValidationFault one.
 */

/** QBO stamps responses in the company's time zone; the sample company is Pacific, so we use a fixed -07:00. */
const OFFSET_MS = -7 * 3600 * 1000;

function pacific(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().replace('Z', '-07:00');
}

/** `2020-09-29T05:58:16.187-07:00`: the envelope's `time`. */
export function qboTime(ms: number): string {
  return pacific(ms);
}

/** `2020-09-29T05:58:16-07:00`: MetaData times have no milliseconds. */
export function qboMetaTime(ms: number): string {
  return pacific(ms).replace(/\.\d{3}/, '');
}

/** `2020-09-29`: the company-local date used for TxnDate defaults. */
export function qboDate(ms: number): string {
  return pacific(ms).slice(0, 10);
}

export interface FaultError {
  Message: string;
  Detail: string;
  code: string;
  element?: string;
}

export interface HttpReply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export function validationFaultObject(error: FaultError): { Error: FaultError[]; type: 'ValidationFault' } {
  return { Error: [error], type: 'ValidationFault' };
}

export function validationFault(error: FaultError, now: number, status = 400): HttpReply {
  return json(status, { Fault: validationFaultObject(error), time: qboTime(now) });
}

export function json(status: number, value: unknown): HttpReply {
  return { status, contentType: 'application/json;charset=UTF-8', body: JSON.stringify(value) };
}

export const faults = {
  duplicateName: (): FaultError => ({
    Message: 'Duplicate Name Exists Error',
    Detail: 'The name supplied already exists. : null',
    code: '6240',
  }),
  duplicateDocNumber: (docNumber: string, txnType: string, txnId: string): FaultError => ({
    Message: 'Duplicate Document Number Error',
    Detail: `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${docNumber} is assigned to TxnType=${txnType} with TxnId=${txnId}`,
    code: '6140',
    element: '',
  }),
  invalidReference: (what: string, id: string): FaultError => ({
    Message: 'Invalid Reference Id',
    Detail: `Invalid Reference Id : ${what} element id ${id} not found`,
    code: '2500',
    element: '',
  }),
  objectNotFound: (): FaultError => ({
    Message: 'Object Not Found',
    Detail:
      "Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.",
    code: '610',
    element: '',
  }),
  staleObject: (): FaultError => ({
    Message: 'Stale Object Error',
    Detail:
      'Stale Object Error : You and the QBO simulator were working on this at the same time. The QBO simulator finished before you did, so your work was not saved.',
    code: '5010',
    element: '',
  }),
  requiredParam: (param: string): FaultError => ({
    Message: 'Required param missing, need to supply the required value for the API',
    Detail: `Required parameter ${param} is missing in the request`,
    code: '2020',
    element: param,
  }),
  businessRule: (detail: string): FaultError => ({
    Message: 'A business validation error has occurred while processing your request',
    Detail: `Business Validation Error: ${detail}`,
    code: '6000',
    element: '',
  }),
  invalidQuery: (detail: string): FaultError => ({
    Message: 'Invalid query',
    Detail: `QueryValidationError: ${detail}`,
    code: '4001',
  }),
  /** ruckus/quickbooks-ruby issue #403 quotes the raw fault: `QueryValidationError: property 'PrimaryEmailAddr' is not queryable`. */
  notQueryable: (property: string): FaultError => ({
    Message: 'Invalid query',
    Detail: `QueryValidationError: property '${property}' is not queryable`,
    code: '4001',
  }),
  unsupportedOperation: (operation: string): FaultError => ({
    Message: 'Unsupported Operation',
    Detail: `Operation ${operation} is not supported.`,
    code: '500',
  }),
  unsupportedProperty: (detail: string): FaultError => ({
    Message: 'Request has invalid or unsupported property',
    Detail: `Property Name:${detail} specified is unsupported or invalid`,
    code: '2010',
  }),
  invalidId: (value: string): FaultError => ({
    Message: 'Invalid ID',
    Detail: `Id should be a valid number. Supplied value:${value}`,
    code: '2030',
    element: 'Id',
  }),
};

/** fixtures/qbo/fault-auth-401.json: lower-case keys, epoch-millisecond time, a dozen null siblings. */
export function authFault(now: number, reference: string): HttpReply {
  return json(401, {
    warnings: null,
    intuitObject: null,
    fault: {
      error: [
        {
          message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
          // Real QBO echoes part of the rejected token here; we echo an opaque reference instead.
          detail: `Token expired: ${reference}`,
          code: '3200',
          element: null,
        },
      ],
      type: 'AUTHENTICATION',
    },
    report: null,
    queryResponse: null,
    batchItemResponse: [],
    attachableResponse: [],
    syncErrorResponse: null,
    requestId: null,
    time: now,
    status: null,
    cdcresponse: [],
  });
}

/**
 * 403 ApplicationAuthorizationFailed (3100): a valid token used on a realm its grant does not cover (a disconnected
 * company, a sandbox token on production). No licensed capture exists; the body is the one integrators quote from
 * their production logs and copy into test fixtures, all alike: lower-case `fault.error[]` with a null detail and
 * `type: "SERVICE"`, and nothing else around it (unlike the 401, which carries a dozen null siblings).
 */
export function authorizationFault(): HttpReply {
  return json(403, {
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
}

/** fixtures/qbo/fault-throttle.json: XML even when the client asked for JSON. */
export function throttleFault(now: number): HttpReply {
  return {
    status: 429,
    contentType: 'application/xml',
    body:
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
      `<IntuitResponse time="${qboTime(now)}" xmlns="http://schema.intuit.com/finance/v3">\n` +
      '  <Fault type="SERVICE">\n' +
      '    <Error code="3001">\n' +
      '      <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>\n' +
      '      <Detail>The request limit was reached.  Try again later</Detail>\n' +
      '    </Error>\n' +
      '  </Fault>\n' +
      '</IntuitResponse>\n',
  };
}

/** fixtures/qbo/fault-system-10000.json, served as a 500 (the capture did not record the status). */
export function systemFault(now: number): HttpReply {
  return {
    status: 500,
    contentType: 'application/xml',
    body:
      `<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="${qboTime(now)}">\n` +
      '\t<Fault type="SystemFault">\n' +
      '\t\t<Error code="10000">\n' +
      '\t\t\t<Message>An application error has occurred while processing your request</Message>\n' +
      '\t\t\t<Detail>System Failure Error: Could not find resource for relative : simulated fault</Detail>\n' +
      '\t\t</Error>\n' +
      '\t</Fault>\n' +
      '</IntuitResponse>',
  };
}

/** fixtures/qbo/oauth-error-invalid-grant.json. */
export function invalidGrant(): HttpReply {
  return json(400, { error_description: 'Token invalid', error: 'invalid_grant' });
}
