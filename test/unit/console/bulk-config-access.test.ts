import { csrfMatches, iapAuth, newCsrfToken } from '../../../shared/console/auth/access';
import type { IapVerifier } from '../../../shared/console/auth/iap-jwt';
import { bulkProgress, type BulkJob } from '../../../shared/console/bulk';
import { parseConsoleConfig } from '../../../shared/console/config';
import { ConfigError } from '../../../shared/config/config';

const job = (items: number, over: Partial<BulkJob> = {}): BulkJob => ({
  schemaVersion: 1,
  jobId: 'j1',
  action: 'retry',
  scope: { tenantId: 'demo' },
  requestedBy: 'local',
  startedAt: '2026-11-30T10:00:00.000Z',
  sentAt: '2026-11-30T10:00:01.000Z',
  items: Array.from({ length: items }, (_, i) => ({
    reviewId: `demo:in_${i}:invoice.finalized`,
    tenantId: 'demo',
    stripeId: `in_${i}`,
    sent: true,
  })),
  leftOver: 0,
  ...over,
});

describe('bulk job progress', () => {
  const now = new Date('2026-11-30T10:00:30Z');

  it('reports "7 posted, 3 still parked" once every retried item is decided', () => {
    const outcomes = new Map(
      Array.from({ length: 7 }, (_, i) => [
        `demo:in_${i}`,
        { outcome: 'posted', reason: 'created', recordedAt: '2026-11-30T10:00:05Z' },
      ]),
    );
    const open = new Map(
      [7, 8, 9].map((i) => [
        `demo:in_${i}:invoice.finalized`,
        { status: 'open' as const, updatedAt: '2026-11-30T10:00:04Z' },
      ]),
    );
    const progress = bulkProgress(job(10), open, outcomes, now);
    expect(progress.summary).toBe('7 posted, 3 still parked');
    expect(progress.done).toBe(true);
  });

  it('waits for items with no decision since the job started, and gives up after the limit', () => {
    const stale = new Map([['demo:in_0', { outcome: 'parked', reason: 'x', recordedAt: '2026-11-30T09:00:00Z' }]]);
    const openBefore = new Map([
      ['demo:in_1:invoice.finalized', { status: 'open' as const, updatedAt: '2026-11-30T09:59:00Z' }],
    ]);
    const progress = bulkProgress(job(2), openBefore, stale, now);
    expect(progress).toMatchObject({ done: false, summary: '2 still waiting' });
    expect(bulkProgress(job(2), openBefore, stale, new Date('2026-11-30T10:05:02Z')).done).toBe(true);
  });

  it('counts already-linked objects apart, items that could not be sent, and dismissals', () => {
    const items = job(2).items;
    items[1]!.sent = false;
    const outcomes = new Map([
      ['demo:in_0', { outcome: 'skipped', reason: 'already_linked', recordedAt: '2026-11-30T10:00:02Z' }],
    ]);
    expect(bulkProgress(job(2, { items }), new Map(), outcomes, now).summary).toBe(
      '1 already in QBO, 1 could not be sent',
    );
    expect(bulkProgress(job(3, { action: 'dismiss' }), new Map(), new Map(), now)).toMatchObject({
      done: true,
      summary: '3 dismissed',
    });
  });
});

describe('console configuration', () => {
  const env = {
    CONSOLE_IAP_AUDIENCE: '/projects/123/global/backendServices/456',
    CONSOLE_OPERATORS: 'Ops@Example.com, user:lead@example.com',
    GOOGLE_CLOUD_PROJECT: 'acme-prod',
    BQ_DATASET: 'stripe_qbo',
  };

  it('reads the audience, the operators (lower case) and the BigQuery dataset', () => {
    expect(parseConsoleConfig(env)).toEqual({
      iapAudience: '/projects/123/global/backendServices/456',
      operators: ['ops@example.com', 'lead@example.com'],
      bigQueryProject: 'acme-prod',
      bigQueryDataset: 'stripe_qbo',
      bigQueryLocation: undefined,
      scheduleHours: 26,
    });
  });

  it('names every problem at once', () => {
    try {
      parseConsoleConfig({ CONSOLE_OPERATORS: 'not-an-email' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toHaveLength(4);
    }
  });
});

describe('roles and CSRF', () => {
  const verifier = (email: string): IapVerifier => ({ verify: async () => ({ email, subject: `sub-${email}` }) });

  it('makes listed emails operators and everyone else IAP admits a viewer; actions are recorded by subject', async () => {
    const headers = { get: () => 'token' };
    await expect(iapAuth(verifier('ops@example.com'), ['Ops@example.com']).identify(headers)).resolves.toEqual({
      email: 'ops@example.com',
      actorId: 'sub-ops@example.com',
      role: 'operator',
    });
    await expect(iapAuth(verifier('other@example.com'), ['ops@example.com']).identify(headers)).resolves.toMatchObject({
      role: 'viewer',
    });
  });

  it('accepts a form token only when it equals its cookie', () => {
    const token = newCsrfToken();
    expect(csrfMatches(token, token)).toBe(true);
    expect(csrfMatches(token, newCsrfToken())).toBe(false);
    expect(csrfMatches(undefined, token)).toBe(false);
    expect(csrfMatches('short', 'short')).toBe(false);
  });
});
