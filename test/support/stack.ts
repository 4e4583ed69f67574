import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signStripeEvent } from '../../shared/ingest/stripe-signature';
import { secretNames } from '../../shared/secrets/secret-store';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../dev/local-stack/stack';

/**
 * A local stack on free ports, its own topic prefix on the shared emulator, an in-memory store, a temp secrets dir.
 * No Stripe reader unless the test passes one: tests have no Stripe account to read.
 */
export async function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const dir = mkdtempSync(join(tmpdir(), 'stripe-qbo-stack-'));
  return startLocalStack({
    rootDir: process.cwd(),
    webhookPort: 0,
    duckdbPath: ':memory:',
    topicPrefix: `t${randomUUID().slice(0, 8)}-`,
    writeStackJson: false,
    qboTimeScale: 0.01,
    logLevel: 'warn',
    env: { ...process.env, SECRETS_DIR: join(dir, 'secrets'), LOG_LEVEL: 'warn' },
    stripe: null,
    ...options,
  });
}

/** POSTs a Stripe event to the stack's webhook exactly as Stripe would: raw bytes, a real v1 signature. */
export async function deliverStripeEvent(stack: LocalStack, tenantId: string, event: object): Promise<Response> {
  const secret = (await stack.runtime.secrets.read(secretNames.stripeWebhookSecret(tenantId))) ?? '';
  const signed = signStripeEvent(event, secret);
  return fetch(`${stack.urls.webhook}/${tenantId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signed.signature },
    body: signed.body,
  });
}

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
