import { randomBytes, randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { PubSub } from '@google-cloud/pubsub';
import { BACKFILL_ENTITIES } from '../../schemas/backfill-command.schema';
import type { Validators } from '../../schemas/validators';
import type { MessagePublisher } from '../messaging/publisher';
import type { Logger } from '../observability/logger';
import { backfillStatus, startBackfill } from '../ops/backfill-request';
import { scanDeadLetters, type DeadLetterEntry, type DeadLetterScan } from '../ops/dead-letters';
import { requestReplay } from '../ops/replay-request';
import { actOnReviewItem, isReviewAction } from '../ops/review-actions';
import { setTenantFlags } from '../ops/tenant-flags';
import type { ReviewStatus, Stores } from '../stores/ports';
import { registerActivityRoutes } from './activity-routes';
import { DAY, DAY_MS, TENANT, word, type ConsoleEnv } from './request';
import { CSRF_FIELD, csrfCookieName, csrfMatches, newCsrfToken, type ConsoleAuth } from './auth/access';
import { IapAssertionError } from './auth/iap-jwt';
import { bulkJobKey, bulkProgress, runBulkAction, type BulkJob } from './bulk';
import type { HistoryReader } from './history/reader';
import { linkContext, loadOverview, loadTenant, type ConsoleWindows } from './load';
import { deadLettersPage } from './pages/dead-letters';
import { bulkJobPage, testRunPage } from './pages/job';
import type { PageContext } from './pages/layout';
import { overviewPage } from './pages/overview';
import { payoutsPage } from './pages/payouts';
import { REVIEW_STATUSES, reviewPage, reviewQuery } from './pages/review';
import { tenantPage } from './pages/tenant';

/**
 * The operator console (DESIGN sections 9 and 10): server-rendered pages over the same stores and topics as the
 * functions, every action through the same shared code as the CLI (shared/ops/). Built from a Runtime by
 * compose.ts; served as the `console` function behind IAP in production and by the local stack on 127.0.0.1.
 */
type Env = ConsoleEnv;

export interface ConsoleDeps {
  stores: Pick<Stores, 'tenants' | 'reviewQueue' | 'syncState'>;
  history: HistoryReader;
  publisher: MessagePublisher;
  pubsub: PubSub;
  validators: Validators;
  topicPrefix: string;
  logger: Logger;
  now: () => Date;
  auth: ConsoleAuth;
  windows: ConsoleWindows;
  /** Dead-letter pulls (scanDeadLetters over Pub/Sub); tests may pass their own. */
  deadLetters?: (scan: DeadLetterScan) => Promise<DeadLetterEntry[]>;
}

const REVIEW_PAGE_LIMIT = 200;

export function createConsoleApp(deps: ConsoleDeps): Hono<Env> {
  const app = new Hono<Env>();
  const log = deps.logger.child({ component: 'console' });
  const cookie = csrfCookieName(deps.auth.secure);
  const cookieOptions = { httpOnly: true, sameSite: 'Strict' as const, path: '/', secure: deps.auth.secure };
  const deadLetters = deps.deadLetters ?? ((scan: DeadLetterScan) => scanDeadLetters(deps, scan));
  const actionDeps = {
    reviewQueue: deps.stores.reviewQueue,
    publisher: deps.publisher,
    topicPrefix: deps.topicPrefix,
    validators: deps.validators,
    now: deps.now,
  };

  app.onError((error, c) => {
    if (error instanceof IapAssertionError) {
      log.warn({ reason: 'iap_assertion' }, error.message);
      return c.text('Sign in through the console address (Identity-Aware Proxy).', 401);
    }
    log.error({ err: { message: error.message, name: error.name } }, 'console request failed');
    return c.text('The console could not answer; the error is in its logs.', 500);
  });

  // Every request: who is asking (IAP), a CSRF token, a CSP nonce, and the headers that keep pages private.
  app.use('*', async (c, next) => {
    const viewer = await deps.auth.identify({ get: (name) => c.req.header(name) });
    let csrf = getCookie(c, cookie);
    if (!csrf || csrf.length < 32) {
      csrf = newCsrfToken();
      setCookie(c, cookie, csrf, cookieOptions);
    }
    const nonce = randomBytes(16).toString('base64');
    c.set('viewer', viewer);
    c.set('csrf', csrf);
    c.set('nonce', nonce);
    if (c.req.method === 'POST') {
      if (viewer.role !== 'operator') return c.text('Only operators may act; ask for the operator role.', 403);
      const body = await c.req.parseBody();
      const field = typeof body[CSRF_FIELD] === 'string' ? body[CSRF_FIELD] : undefined;
      if (!csrfMatches(getCookie(c, cookie), field))
        return c.text('The form expired; reload the page and try again.', 403);
      const origin = c.req.header('origin');
      if (origin && origin !== 'null' && new URL(origin).host !== c.req.header('host'))
        return c.text('Cross-site request refused.', 403);
    }
    await next();
    c.header(
      'Content-Security-Policy',
      `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    );
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    return undefined;
  });

  const ctx = (c: Context<Env>): PageContext => {
    const notice = getCookie(c, 'console-notice');
    if (notice) deleteCookie(c, 'console-notice', { path: '/' });
    return {
      viewer: c.get('viewer'),
      csrfToken: c.get('csrf'),
      nonce: c.get('nonce'),
      path: c.req.path,
      now: deps.now(),
      ...(notice ? { notice: decodeURIComponent(notice).slice(0, 500) } : {}),
    };
  };
  /** After an action: back to a page, with what happened shown once there. */
  const redirectWith = (c: Context<Env>, location: string, notice: string) => {
    setCookie(c, 'console-notice', encodeURIComponent(notice.slice(0, 500)), { ...cookieOptions, maxAge: 60 });
    return c.redirect(location, 303);
  };
  const actor = (c: Context<Env>) => c.get('viewer').actorId;
  const formValue = async (c: Context<Env>, name: string) => {
    const value = (await c.req.parseBody())[name];
    return typeof value === 'string' ? value : undefined;
  };

  const reads = { ...deps.stores, history: deps.history };

  app.get('/', async (c) => {
    const { rows, chart } = await loadOverview(reads, deps.windows, deps.now());
    return c.html(overviewPage(ctx(c), rows, chart, deps.windows.windowDays));
  });

  app.get('/tenants/:id', async (c) => {
    const id = c.req.param('id');
    const view = TENANT.test(id) ? await loadTenant(reads, deps.windows, id, deps.now()) : undefined;
    if (!view) return c.text(`No tenant ${id}.`, 404);
    return c.html(tenantPage(ctx(c), view, linkContext([view.tenant]), deps.windows.windowDays));
  });

  app.post('/tenants/:id/sync', async (c) => {
    const id = c.req.param('id');
    const result = await requestReplay(
      { ...deps, tenants: deps.stores.tenants },
      { tenantId: id, requestedBy: `console:${actor(c)}`.slice(0, 100) },
    );
    log.info({ action: 'replay', tenantId: id, actor: actor(c), ok: result.ok }, 'console action');
    return redirectWith(
      c,
      `/tenants/${id}`,
      result.ok ? `Sync requested for ${id} (replay message ${result.messageId}).` : result.message,
    );
  });

  app.post('/tenants/:id/auto-post', async (c) => {
    const id = c.req.param('id');
    const value = await formValue(c, 'autoPost');
    if (value !== 'on' && value !== 'off') return c.text('autoPost must be on or off.', 400);
    const result = await setTenantFlags({ tenants: deps.stores.tenants, validators: deps.validators }, id, {
      autoPost: value === 'on',
    });
    log.info({ action: 'auto_post', tenantId: id, actor: actor(c), value, ok: result.ok }, 'console action');
    return redirectWith(c, `/tenants/${id}`, result.message);
  });

  app.post('/tenants/:id/test-run', async (c) => {
    const id = c.req.param('id');
    const [from, to] = [await formValue(c, 'from'), await formValue(c, 'to')];
    if (!from || !to || !DAY.test(from) || !DAY.test(to)) return c.text('From and to must be dates (YYYY-MM-DD).', 400);
    const createdFrom = new Date(`${from}T00:00:00.000Z`);
    const createdTo = new Date(Date.parse(`${to}T00:00:00.000Z`) + DAY_MS);
    if (!(createdTo > createdFrom)) return c.text('To must not be before from.', 400);
    const result = await startBackfill(
      { ...deps, tenants: deps.stores.tenants, syncState: deps.stores.syncState },
      { tenantId: id, createdFrom, createdTo, entities: BACKFILL_ENTITIES, dryRun: true },
    );
    log.info({ action: 'test_run', tenantId: id, actor: actor(c), ok: result.ok }, 'console action');
    if (!result.ok) return redirectWith(c, `/tenants/${id}`, result.message);
    return c.redirect(`/tenants/${id}/test-runs/${result.backfillId}`, 303);
  });

  app.get('/tenants/:id/test-runs/:backfillId', async (c) => {
    const { id, backfillId } = c.req.param();
    const tenant = TENANT.test(id) ? await deps.stores.tenants.get(id) : undefined;
    if (!tenant) return c.text(`No tenant ${id}.`, 404);
    const checkpoint = await backfillStatus(deps.stores, backfillId);
    // The dry run parks each plan as a `dry_run` review item (its proposal is the payload); these are this run's.
    const proposals = checkpoint
      ? (await deps.stores.reviewQueue.list({ tenantId: id, status: 'open', reason: 'dry_run' })).filter(
          (item) =>
            item.updatedAt >= checkpoint.startedAt && (item.event as { source?: unknown }).source === 'backfill',
        )
      : [];
    return c.html(testRunPage(ctx(c), id, backfillId, checkpoint, proposals, linkContext([tenant])));
  });

  registerActivityRoutes(app, deps, ctx);

  app.get('/review', async (c) => {
    const status = (REVIEW_STATUSES as string[]).includes(c.req.query('status') ?? '')
      ? (c.req.query('status') as ReviewStatus)
      : 'open';
    const tenantId = word(c.req.query('tenant') || undefined, TENANT);
    const reason = word(c.req.query('reason') || undefined);
    const filter = { status, ...(tenantId ? { tenantId } : {}), ...(reason ? { reason } : {}) };
    // One read for the items and the reason picker (every reason of the status and tenant).
    const [all, tenants] = await Promise.all([
      deps.stores.reviewQueue.list({ status, ...(tenantId ? { tenantId } : {}) }),
      deps.stores.tenants.list(),
    ]);
    const items = reason ? all.filter((item) => item.reason === reason) : all;
    const reasons = [...new Set([...all.map((i) => i.reason), ...(reason ? [reason] : [])])].sort();
    return c.html(
      reviewPage(
        ctx(c),
        {
          filter,
          items: items.slice(0, REVIEW_PAGE_LIMIT),
          total: items.length,
          tenants: tenants.map((t) => t.tenantId),
          reasons,
        },
        linkContext(tenants),
      ),
    );
  });

  app.post('/review/bulk', async (c) => {
    const action = await formValue(c, 'action');
    if (action !== 'retry' && action !== 'dismiss') return c.text('action must be retry or dismiss.', 400);
    const tenantId = word(await formValue(c, 'tenant'), TENANT);
    const reason = word(await formValue(c, 'reason'));
    const job = await runBulkAction(
      { ...actionDeps, reviewQueue: deps.stores.reviewQueue, syncState: deps.stores.syncState },
      {
        jobId: randomUUID(),
        action,
        scope: { ...(tenantId ? { tenantId } : {}), ...(reason ? { reason } : {}) },
        requestedBy: actor(c),
      },
    );
    log.info(
      { action: `bulk_${action}`, tenantId, reason, items: job.items.length, actor: actor(c) },
      'console action',
    );
    return c.redirect(`/jobs/${job.jobId}`, 303);
  });

  app.post('/review/:id/:action', async (c) => {
    const { id, action } = c.req.param();
    if (!isReviewAction(action)) return c.text(`Unknown action ${action}.`, 404);
    const result = await actOnReviewItem(actionDeps, action, id);
    log.info({ action: `review_${action}`, reviewId: id, actor: actor(c), ok: result.ok }, 'console action');
    const item = await deps.stores.reviewQueue.get(id);
    return redirectWith(
      c,
      `/review?${reviewQuery({ status: 'open', ...(item ? { tenantId: item.tenantId } : {}) })}`,
      result.message,
    );
  });

  app.get('/jobs/:id', async (c) => {
    const stored = await deps.stores.syncState.get<BulkJob>(bulkJobKey(c.req.param('id')));
    if (!stored) return c.text('No such job.', 404);
    const job = stored.value;
    const [open, outcomes, tenants] = await Promise.all([
      deps.stores.reviewQueue.list({ status: 'open', ...(job.scope.tenantId ? { tenantId: job.scope.tenantId } : {}) }),
      job.action === 'retry' ? deps.history.outcomesSince(job.startedAt, job.scope.tenantId) : Promise.resolve([]),
      deps.stores.tenants.list(),
    ]);
    const progress = bulkProgress(
      job,
      new Map(open.map((item) => [item.reviewId, item])),
      new Map(outcomes.map((o) => [`${o.tenantId}:${o.stripeId}`, o])),
      deps.now(),
    );
    return c.html(bulkJobPage(ctx(c), job, progress, linkContext(tenants)));
  });

  const deadLettersView = async (c: Context<Env>, tenantId: string | undefined, redriven?: DeadLetterEntry[]) => {
    const sinceDays = 30;
    const [rows, tenants] = await Promise.all([
      deps.history.deadLetters(new Date(deps.now().getTime() - sinceDays * DAY_MS).toISOString(), {
        ...(tenantId ? { tenantId } : {}),
        limit: 500,
      }),
      deps.stores.tenants.list(),
    ]);
    return c.html(
      deadLettersPage(
        ctx(c),
        { tenantId, tenants: tenants.map((t) => t.tenantId), rows, sinceDays, ...(redriven ? { redriven } : {}) },
        linkContext(tenants),
      ),
    );
  };

  app.get('/dead-letters', async (c) => deadLettersView(c, word(c.req.query('tenant') || undefined, TENANT)));

  app.post('/dead-letters/redrive', async (c) => {
    const tenantId = word(await formValue(c, 'tenant'), TENANT);
    const messageId = word(await formValue(c, 'messageId'), /^[0-9A-Za-z_-]{1,200}$/);
    const redriven = await deadLetters({
      ...(tenantId ? { tenantId } : {}),
      ...(messageId ? { messageIds: [messageId] } : {}),
      max: 1000,
      redrive: true,
    });
    log.info({ action: 'redrive', tenantId, messageId, redriven: redriven.length, actor: actor(c) }, 'console action');
    return deadLettersView(c, tenantId, redriven);
  });

  app.get('/payouts', async (c) => {
    const tenantId = word(c.req.query('tenant') || undefined, TENANT);
    const [rows, tenants] = await Promise.all([
      deps.history.payouts({ ...(tenantId ? { tenantId } : {}), limit: 500 }),
      deps.stores.tenants.list(),
    ]);
    return c.html(payoutsPage(ctx(c), rows, linkContext(tenants)));
  });

  app.notFound((c) => c.text('Not found.', 404));
  return app;
}
