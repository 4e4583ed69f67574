import type { IncomingHttpHeaders } from 'node:http';
import type { AuditRecord } from '../../schemas/audit-record.schema';
import type { Validators } from '../../schemas/validators';
import { PermanentError, classifyError } from '../errors';
import type { MessagePublisher } from '../messaging/publisher';
import { entityTopicName, publishEntityEvent } from '../messaging/entity-events';
import type { Logger } from '../observability/logger';
import { secretNames, type SecretStore } from '../secrets/secret-store';
import type { AuditSink, TenantStore } from '../stores/ports';
import { normalizeStripeEvent, readStripeEventEnvelope, type StripeEventEnvelope } from './normalize';
import { parseWebhookSecrets, verifyStripeSignature } from './stripe-signature';
import { webhookError, webhookReceipt, type WebhookReply } from './webhook-replies';
import { createWebhookSecretReader } from './webhook-secrets';
import { createWebhookTenantResolver, type WebhookSkipReason } from './webhook-tenants';

export { CONNECT_PLATFORM_AUDIT_TENANT } from './webhook-tenants';

export const WEBHOOK_FUNCTION_NAME = 'stripe-webhook';

/** Stripe's events are a few KiB; 1 MiB is far above any real one and bounds what we hash and parse. */
export const DEFAULT_MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/**
 * The Connect platform's endpoint secret (`POST /`). Not `stripe-webhook-secret-<tenantId>`: the platform is not
 * a tenant, and this name cannot collide with any tenant id.
 */
export const CONNECT_WEBHOOK_SECRET_NAME = 'stripe-connect-webhook-secret';

const TENANT_ROUTE = /^\/([a-z0-9][a-z0-9-]{0,62})\/?$/;

/** One request as the webhook server read it: the body is complete, within the limit, and never decompressed. */
export interface WebhookRequest {
  method: string;
  /** The URL path without its query. */
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

export type StripeWebhookHandler = (request: WebhookRequest) => Promise<WebhookReply>;

export interface StripeWebhookDeps {
  publisher: MessagePublisher;
  secrets: SecretStore;
  tenants: Pick<TenantStore, 'get' | 'list'>;
  audit: AuditSink;
  logger: Logger;
  validators: Validators;
  topicPrefix: string;
  now: () => Date;
  maxBodyBytes?: number;
  /**
   * How long an instance reuses a webhook secret or tenant it has read (default 60 s). Reading both per request
   * costs a Secret Manager call and a Firestore read on every Stripe event, the bulk of the webhook's latency
   * above a bare publish. A secret rolled in Stripe is picked up at once: a signature that fails against the
   * cached secret is checked again against a fresh read.
   */
  cacheTtlMs?: number;
}

/** A failed signature re-reads its secret at most this often: forged requests must not hammer Secret Manager. */
const SECRET_RECHECK_MS = 5_000;

type Route = { kind: 'tenant'; tenantId: string } | { kind: 'connect' };

type SkipReason = WebhookSkipReason;

function routeOf(path: string): Route | undefined {
  if (path === '/' || path === '') return { kind: 'connect' };
  const match = TENANT_ROUTE.exec(path);
  return match?.[1] === undefined ? undefined : { kind: 'tenant', tenantId: match[1] };
}

function headerValue(req: WebhookRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * The Stripe webhook (DESIGN sections 2 and 7): verify → parse → resolve the tenant → normalize → publish, and
 * answer 200 only once Pub/Sub has acknowledged the message, so a 2xx always means the event is durable. Every
 * other answer is chosen so Stripe retries exactly when a retry can help: bad signatures and unreadable bodies are
 * 4xx (nothing published, nothing audited: an unauthenticated caller must not be able to write audit rows), events
 * we deliberately ignore are 200 with an audit row, and any failure to publish or record is 503.
 */
export function createStripeWebhookHandler(deps: StripeWebhookDeps): StripeWebhookHandler {
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_WEBHOOK_BODY_BYTES;
  const cacheTtlMs = deps.cacheTtlMs ?? 60_000;
  const clock = () => deps.now().getTime();
  const secrets = createWebhookSecretReader({ secrets: deps.secrets, ttlMs: cacheTtlMs, now: clock });
  const tenants = createWebhookTenantResolver({
    tenants: deps.tenants,
    ttlMs: cacheTtlMs,
    now: clock,
    onAmbiguous: (account, livemode, tenantIds) =>
      deps.logger.error(
        { account, livemode, tenantIds, reason: 'ambiguous_account' },
        'two tenants claim one Stripe account and mode; fix their settings',
      ),
  });

  async function audit(
    tenantId: string,
    envelope: StripeEventEnvelope,
    reason: SkipReason,
    extra: { entity?: string; stripeId?: string; detail?: string } = {},
  ): Promise<void> {
    const record: AuditRecord = {
      schemaVersion: 1,
      // Deterministic, so a Stripe redelivery of the same event does not double-count in the audit views.
      recordId: `${WEBHOOK_FUNCTION_NAME}:${tenantId}:${envelope.id}:${reason}`.slice(0, 200),
      recordedAt: deps.now().toISOString(),
      tenantId: tenantId.slice(0, 64),
      function: WEBHOOK_FUNCTION_NAME,
      outcome: 'skipped',
      reason,
      failureClass: reason === 'invalid_message' ? 'rejected' : 'ignored',
      eventId: envelope.id.slice(0, 255),
      eventType: envelope.type.slice(0, 100),
      source: 'webhook',
      stripeId: (extra.stripeId ?? envelope.object.id).slice(0, 255),
    };
    if (extra.entity !== undefined) record.entity = extra.entity;
    // Ids and flags only: enough for replay to fetch the event again once the tenant exists or is fixed.
    const detail = [
      extra.detail,
      envelope.account === undefined ? undefined : `account=${envelope.account}`,
      `livemode=${String(envelope.livemode)}`,
      envelope.apiVersion === undefined ? undefined : `api_version=${envelope.apiVersion}`,
    ]
      .filter((part) => part !== undefined)
      .join(' ');
    record.detail = detail.slice(0, 2000);
    await deps.audit.record(deps.validators.auditRecord.parse(record));
  }

  async function skip(
    tenantId: string,
    envelope: StripeEventEnvelope,
    reason: SkipReason,
    extra: { entity?: string; stripeId?: string; detail?: string } = {},
  ): Promise<WebhookReply> {
    await audit(tenantId, envelope, reason, extra);
    const log = { tenantId, eventId: envelope.id, eventType: envelope.type, reason, skipped: 1 };
    // Unhandled types are routine (Stripe sends whatever the endpoint subscribes to): debug, per STYLE item 7.
    if (reason === 'unhandled_type') deps.logger.debug(log, 'stripe event skipped');
    else deps.logger.info(log, 'stripe event skipped');
    return webhookReceipt({ outcome: 'skipped', eventId: envelope.id, reason });
  }

  async function handle(req: WebhookRequest, receivedAt: Date): Promise<WebhookReply> {
    if (req.method !== 'POST')
      return webhookError(405, 'method_not_allowed', 'only POST is accepted', { Allow: 'POST' });
    // The server stops reading at the limit (webhook-server.ts); this keeps the handler safe on its own.
    if (req.rawBody.length > maxBodyBytes)
      return webhookError(413, 'payload_too_large', `the body exceeds ${maxBodyBytes} bytes`);
    const route = routeOf(req.path);
    if (!route) return webhookError(404, 'not_found', 'POST / (Connect) or POST /{tenantId}');

    const secretName =
      route.kind === 'tenant' ? secretNames.stripeWebhookSecret(route.tenantId) : CONNECT_WEBHOOK_SECRET_NAME;
    const signatureHeader = headerValue(req, 'stripe-signature');
    if (signatureHeader === undefined || signatureHeader.trim() === '')
      return webhookError(400, 'signature_missing', 'the Stripe-Signature header is missing');
    // No secret (or one this function may not read) means nobody can have signed for this route: the same answer,
    // body and cost as a forged signature for a real tenant, so the response does not reveal which tenants exist.
    const verify = async (maxAgeMs?: number) => {
      const stored = await secrets.read(secretName, maxAgeMs);
      const check = verifyStripeSignature(
        req.rawBody,
        signatureHeader,
        parseWebhookSecrets(stored),
        receivedAt.getTime(),
      );
      return { check, hadSecret: stored !== undefined };
    };
    let attempt = await verify();
    // The secret may have been rolled since this instance cached it.
    if (!attempt.check.ok && attempt.check.reason === 'signature_invalid' && attempt.hadSecret)
      attempt = await verify(SECRET_RECHECK_MS);
    const verified = attempt.check;
    if (!verified.ok) {
      deps.logger.warn({ reason: verified.reason, route: route.kind }, 'stripe webhook refused');
      if (verified.reason === 'malformed_json') return webhookError(400, 'malformed_json', 'the body is not JSON');
      return webhookError(400, verified.reason, 'the Stripe-Signature header does not verify');
    }

    const read = readStripeEventEnvelope(verified.payload);
    if (!read.ok) return webhookError(400, 'malformed_event', read.problems.join('; ').slice(0, 500));
    const { envelope } = read;

    const resolved =
      route.kind === 'tenant'
        ? await tenants.forTenantRoute(route.tenantId, envelope)
        : await tenants.forConnect(envelope);
    if (resolved.kind === 'skip')
      return skip(resolved.auditTenantId, envelope, resolved.reason, {
        ...(resolved.detail !== undefined ? { detail: resolved.detail } : {}),
      });
    const { tenant } = resolved;
    if (!tenant.enabled) return skip(tenant.tenantId, envelope, 'tenant_disabled');
    // A test-mode event for a live tenant (or the reverse) must never reach that tenant's books.
    if (envelope.livemode !== tenant.stripe.livemode)
      return skip(tenant.tenantId, envelope, 'livemode_mismatch', {
        detail: `tenant_livemode=${String(tenant.stripe.livemode)}`,
      });

    const normalized = normalizeStripeEvent(verified.payload, {
      tenantId: tenant.tenantId,
      source: 'webhook',
      receivedAt: receivedAt.toISOString(),
    });
    if (normalized.kind === 'unhandled') return skip(tenant.tenantId, envelope, 'unhandled_type');
    // Stripe sent it and signed it: retrying will not change it, so acknowledge and record why (DESIGN section 3).
    if (normalized.kind === 'invalid')
      return skip(tenant.tenantId, envelope, 'invalid_message', { detail: normalized.problems.join('; ') });
    const event = normalized.event;
    const { entity } = event;
    // The normalizer's output is typed from the same schema; this catches what types cannot (formats, patterns).
    if (!deps.validators.normalizedEvent.is(event))
      return skip(tenant.tenantId, envelope, 'invalid_message', { entity, detail: 'normalized-event' });

    const messageId = await publishEntityEvent(deps.publisher, deps.topicPrefix, event);
    deps.logger.info(
      {
        tenantId: event.tenantId,
        eventId: event.eventId,
        objectId: event.objectId,
        eventType: event.type,
        topic: entityTopicName(deps.topicPrefix, event.entity),
        messageId,
        discovered: 1,
        latencyMs: deps.now().getTime() - receivedAt.getTime(),
      },
      'stripe event published',
    );
    return webhookReceipt({ outcome: 'published', eventId: event.eventId });
  }

  return async (req) => {
    const receivedAt = deps.now();
    let reply: WebhookReply;
    try {
      reply = await handle(req, receivedAt);
    } catch (error) {
      const failure = classifyError(error);
      // A failure to publish or record is transient for us (503: Stripe retries with backoff for three days);
      // a bug of ours is a 500, which Stripe retries too: never a 2xx that would lose the event.
      const status = failure instanceof PermanentError ? 500 : 503;
      deps.logger.error({ err: failure, code: failure.code, status }, 'stripe webhook failed');
      reply =
        status === 503
          ? webhookError(503, 'unavailable', 'the event could not be recorded; retry later')
          : webhookError(500, 'internal', 'the event could not be processed; retry later');
    }
    return reply;
  };
}
