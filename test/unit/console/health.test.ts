import { buildDemoTenant } from '../../../dev/local-stack/demo-tenant';
import { missingSettings, refreshTokenDays, tenantHealth, type HealthInputs } from '../../../shared/console/health';
import type { TenantCounts } from '../../../shared/console/history/reader';

const NOW = new Date('2026-11-30T12:00:00Z');
const zero = { discovered: 0, posted: 0, skipped: 0, parked: 0, failed: 0, deadLettered: 0, planned: 0 };
const counts = (over: Partial<TenantCounts> = {}): TenantCounts => ({
  tenantId: 'demo',
  today: { ...zero, discovered: 30, posted: 30 },
  window: { ...zero, discovered: 30, posted: 30 },
  backlog: 0,
  lastDecisionAt: '2026-11-30T11:00:00Z',
  ...over,
});
const inputs = (over: Partial<HealthInputs> = {}): HealthInputs => ({
  tenant: buildDemoTenant(),
  counts: counts(),
  openReview: {},
  lastSyncAt: '2026-11-30T11:00:00Z',
  refreshTokenDays: undefined,
  now: NOW,
  scheduleHours: 26,
  ...over,
});

describe('tenant health light', () => {
  it('is green when everything synced within the schedule, even after retried failures', () => {
    expect(tenantHealth(inputs({ counts: counts({ window: { ...zero, posted: 30, failed: 15 } }) }))).toEqual({
      light: 'green',
      notes: [],
    });
  });

  it.each([
    ['parked items', { openReview: { qbo_6140: 2 } }, '2 items parked for review'],
    ['a backlog', { counts: counts({ backlog: 3 }) }, '3 events waiting'],
    [
      'dry run on',
      { tenant: buildDemoTenant({ flags: { dryRun: true, autoPost: true } }) },
      'dry run: nothing is posted',
    ],
    ['a refresh token expiring in 14 days', { refreshTokenDays: 14 }, 'QBO refresh token expires in 14 days'],
  ])('is yellow for %s', (_what, over, note) => {
    expect(tenantHealth(inputs(over as Partial<HealthInputs>))).toEqual({ light: 'yellow', notes: [note] });
  });

  it.each([
    ['needs_reauth', { tenant: { ...buildDemoTenant(), status: 'needs_reauth' as const } }, 'QBO needs reconnecting'],
    [
      'a missing account',
      { tenant: buildDemoTenant({ accounts: { bank: '36', stripeFees: '70' } }) },
      'settings incomplete: accounts.stripeClearing',
    ],
    ['items parked for settings', { openReview: { settings_incomplete: 1 } }, '1 item parked for missing settings'],
    ['dead letters', { counts: counts({ window: { ...zero, deadLettered: 2 } }) }, '2 dead letters'],
    ['an expired refresh token', { refreshTokenDays: 0 }, 'QBO refresh token expired'],
    ['no sync for more than the schedule', { lastSyncAt: '2026-11-29T09:59:59Z' }, 'no sync for 26 h'],
    ['never synced', { lastSyncAt: undefined }, 'never synced'],
  ])('is red for %s', (_what, over, note) => {
    const health = tenantHealth(inputs(over as Partial<HealthInputs>));
    expect(health.light).toBe('red');
    expect(health.notes[0]).toContain(note);
  });

  it('is not red at exactly the schedule boundary', () => {
    expect(tenantHealth(inputs({ lastSyncAt: '2026-11-29T10:00:00Z' })).light).toBe('green');
  });

  it('lists red reasons first and keeps the yellow ones', () => {
    const health = tenantHealth(inputs({ refreshTokenDays: -1, openReview: { awaiting_approval: 1 } }));
    expect(health).toEqual({ light: 'red', notes: ['QBO refresh token expired', '1 item parked for review'] });
  });

  it('does not call a disabled tenant stale', () => {
    expect(tenantHealth(inputs({ tenant: buildDemoTenant({ enabled: false }), lastSyncAt: undefined }))).toEqual({
      light: 'yellow',
      notes: ['disabled'],
    });
  });

  it('needs income in payout summary mode, and no clearing account', () => {
    const summary = buildDemoTenant({ mode: 'payout_summary', accounts: { bank: '1', stripeFees: '2' } });
    expect(missingSettings(summary)).toEqual(['accounts.income']);
  });

  it("reads the refresh token's days left from the daily token check, else unknown", () => {
    const check = { schemaVersion: 1 as const, tenantId: 'demo', checkedAt: '2026-11-30T03:15:00Z' };
    expect(refreshTokenDays({ ...check, refreshExpiresAt: '2026-12-10T12:00:00Z', refreshDaysLeft: 10 }, NOW)).toBe(10);
    expect(refreshTokenDays({ ...check, refreshExpiresAt: '2026-12-03T23:59:59Z' }, NOW)).toBe(3);
    expect(refreshTokenDays({ ...check, problem: 'not_connected' }, NOW)).toBeUndefined();
    expect(refreshTokenDays(undefined, NOW)).toBeUndefined();
  });

  it.each([
    ['not_connected', 'red', 'QBO not connected (no tokens stored)'],
    ['invalid_grant', 'red', 'QBO refused the refresh token: reconnect'],
    ['refresh_failed', 'yellow', 'QBO token refresh failed at the last check'],
  ] as const)('turns a token check that found %s %s', (problem, light, note) => {
    expect(tenantHealth(inputs({ tokenProblem: problem }))).toEqual({ light, notes: [note] });
  });
});
