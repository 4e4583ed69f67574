import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { QboTokenHealth } from '../qbo/auth/token-health';
import type { TenantCounts } from './history/reader';

/**
 * A tenant's health light, from what the console already read. Pure: `now` comes in.
 *   red    — QBO needs reconnecting (or its token check says so), settings incomplete, dead letters in the window,
 *            the refresh token expired, or no sync within the schedule (the daily replay, with a grace period)
 *   yellow — items parked for review, a backlog (events in flight, retrying or waiting), dry run on, disabled,
 *            or a refresh token that expires within two weeks
 * A failed attempt alone is not a warning: Pub/Sub retries it, and one that never succeeds ends as a dead letter.
 *   green  — everything synced
 */
export type Light = 'green' | 'yellow' | 'red';

export interface HealthInputs {
  tenant: TenantSettings;
  counts: TenantCounts | undefined;
  /** Open review items of this tenant by reason. */
  openReview: Record<string, number>;
  /** The latest decision or replay run, ISO 8601; undefined when there has been none. */
  lastSyncAt: string | undefined;
  /** Days until the QBO refresh token expires, when the daily check recorded it. */
  refreshTokenDays: number | undefined;
  /** What the daily token check could not do, if anything. */
  tokenProblem?: QboTokenHealth['problem'];
  now: Date;
  /** A tenant that has not synced for longer than this is red (the daily replay plus grace). */
  scheduleHours: number;
}

export interface Health {
  light: Light;
  /** Why, in plain words, most serious first; empty when green. */
  notes: string[];
}

/** The mappings every plan of the mode needs (recipes park with settings_incomplete when one is missing). */
export function missingSettings(tenant: TenantSettings): string[] {
  const required =
    tenant.mode === 'payout_summary'
      ? ['accounts.bank', 'accounts.stripeFees', 'accounts.income']
      : ['accounts.stripeClearing', 'accounts.bank', 'accounts.stripeFees', 'items.defaultItem'];
  return required.filter((path) => {
    const [group, key] = path.split('.') as ['accounts' | 'items', string];
    return !(tenant[group] as Record<string, unknown> | undefined)?.[key];
  });
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function tenantHealth(input: HealthInputs): Health {
  const red: string[] = [];
  const yellow: string[] = [];
  const { tenant, counts } = input;
  if (tenant.status === 'needs_reauth') red.push('QBO needs reconnecting');
  const missing = missingSettings(tenant);
  if (missing.length > 0) red.push(`settings incomplete: ${missing.join(', ')}`);
  const settingsParked = input.openReview.settings_incomplete ?? 0;
  if (settingsParked > 0) red.push(`${plural(settingsParked, 'item')} parked for missing settings`);
  if (counts && counts.window.deadLettered > 0) red.push(`${plural(counts.window.deadLettered, 'dead letter')}`);
  if (input.refreshTokenDays !== undefined && input.refreshTokenDays <= 0) red.push('QBO refresh token expired');
  if (input.tokenProblem === 'not_connected') red.push('QBO not connected (no tokens stored)');
  if (input.tokenProblem === 'invalid_grant') red.push('QBO refused the refresh token: reconnect');
  if (tenant.enabled) {
    const last = input.lastSyncAt ? Date.parse(input.lastSyncAt) : undefined;
    if (last === undefined) red.push('never synced');
    else if (input.now.getTime() - last > input.scheduleHours * 3600_000)
      red.push(`no sync for ${Math.floor((input.now.getTime() - last) / 3600_000)} h`);
  }

  const parked = Object.entries(input.openReview)
    .filter(([reason]) => reason !== 'settings_incomplete')
    .reduce((sum, [, n]) => sum + n, 0);
  if (parked > 0) yellow.push(`${plural(parked, 'item')} parked for review`);
  if (counts && counts.backlog > 0) yellow.push(`${plural(counts.backlog, 'event')} waiting`);
  if (tenant.flags.dryRun) yellow.push('dry run: nothing is posted');
  if (!tenant.enabled) yellow.push('disabled');
  if (input.tokenProblem === 'refresh_failed') yellow.push('QBO token refresh failed at the last check');
  if (input.refreshTokenDays !== undefined && input.refreshTokenDays > 0 && input.refreshTokenDays <= 14)
    yellow.push(`QBO refresh token expires in ${plural(input.refreshTokenDays, 'day')}`);

  if (red.length > 0) return { light: 'red', notes: [...red, ...yellow] };
  if (yellow.length > 0) return { light: 'yellow', notes: yellow };
  return { light: 'green', notes: [] };
}

/**
 * Days until the QBO refresh token expires, from the daily check's record (`qbo-token-health:<tenantId>`, written by
 * the token lifecycle when replay checks each tenant): undefined when no check has recorded an expiry. The console
 * never reads the token secret itself.
 */
export function refreshTokenDays(health: QboTokenHealth | undefined, now: Date): number | undefined {
  const at = health?.refreshExpiresAt ? Date.parse(health.refreshExpiresAt) : Number.NaN;
  return Number.isFinite(at) ? Math.floor((at - now.getTime()) / 86_400_000) : undefined;
}
