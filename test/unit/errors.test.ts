import { AuthError, classifyError, PermanentError, RetryableError, SettingsIncompleteError } from '../../shared/errors';

describe('classifyError', () => {
  it('passes our own typed errors through unchanged', () => {
    const error = new SettingsIncompleteError(['accounts.stripeClearing']);
    expect(classifyError(error)).toBe(error);
    expect(error.failureClass).toBe('settings');
    expect(error.detail).toBe('accounts.stripeClearing');
  });

  it.each([
    [{ code: 14, message: 'UNAVAILABLE' }, 'retryable'],
    [{ code: 4, message: 'DEADLINE_EXCEEDED' }, 'retryable'],
    // GCP's UNAUTHENTICATED is our credentials failing, not the tenant's QBO connection (#17 item 7).
    [{ code: 16, message: 'UNAUTHENTICATED' }, 'retryable'],
    [Object.assign(new Error('socket'), { code: 'ECONNRESET' }), 'retryable'],
    [Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 'retryable'],
    [{ type: 'StripeRateLimitError', statusCode: 429, message: 'rate' }, 'retryable'],
    [{ type: 'StripeAPIError', statusCode: 500, message: 'boom' }, 'retryable'],
    [{ type: 'StripeAuthenticationError', statusCode: 401, message: 'bad key' }, 'auth'],
    [{ type: 'StripeInvalidRequestError', statusCode: 400, message: 'no such payout' }, 'rejected'],
  ])('maps %p to %s', (input, expected) => {
    expect(classifyError(input).failureClass).toBe(expected);
  });

  it('treats an unknown failure as retryable so nothing is dropped before the dead-letter archive', () => {
    expect(classifyError(new Error('mystery'))).toBeInstanceOf(RetryableError);
  });

  it('keeps AuthError permanent', () => {
    const error = new AuthError('revoked');
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.retryable).toBe(false);
  });
});
