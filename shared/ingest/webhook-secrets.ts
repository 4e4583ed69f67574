import type { SecretStore } from '../secrets/secret-store';

/**
 * The webhook's view of its signing secrets: one read per secret per instance and time to live, a missing secret
 * remembered like a present one, and the two kept apart so that made-up tenant ids cannot crowd out real ones.
 *
 * Secret Manager answers PERMISSION_DENIED (7), not NOT_FOUND (5), for a secret the caller may not read, and the
 * webhook may read only the secrets Terraform granted it, so every made-up tenant id gets a 7. Both mean "nobody
 * can have signed for this route". Without remembering that answer, each forged request cost a Secret Manager read
 * (quota, latency an attacker could time) and answered 500 where a real tenant's bad signature answered 400.
 */
export interface WebhookSecretReader {
  /** The stored value, or undefined when the secret does not exist or may not be read. `maxAgeMs` forces a fresher read of a present secret. */
  read(name: string, maxAgeMs?: number): Promise<string | undefined>;
}

export interface WebhookSecretReaderOptions {
  secrets: SecretStore;
  ttlMs: number;
  now: () => number;
  /** Present secrets kept; they exist only for real tenants, so this bounds nothing an attacker controls. */
  maxPresent?: number;
  /** Absent names kept, oldest dropped first: forged ids can fill this, and only this. */
  maxAbsent?: number;
}

/** gRPC NOT_FOUND and PERMISSION_DENIED: no secret this instance could verify with. */
const ABSENT_CODES = new Set([5, 7]);

function isAbsent(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'number' && ABSENT_CODES.has(code);
}

export function createWebhookSecretReader(options: WebhookSecretReaderOptions): WebhookSecretReader {
  const maxPresent = options.maxPresent ?? 1_000;
  const maxAbsent = options.maxAbsent ?? 10_000;
  const present = new Map<string, { value: string; loadedAt: number }>();
  const absent = new Map<string, number>();
  const inFlight = new Map<string, Promise<string | undefined>>();

  async function load(name: string): Promise<string | undefined> {
    let value: string | undefined;
    try {
      value = await options.secrets.read(name);
    } catch (error) {
      if (!isAbsent(error)) throw error;
      value = undefined;
    }
    const at = options.now();
    if (value === undefined) {
      present.delete(name);
      absent.delete(name);
      if (absent.size >= maxAbsent) absent.delete(absent.keys().next().value as string);
      absent.set(name, at);
    } else {
      absent.delete(name);
      if (present.size >= maxPresent && !present.has(name)) present.delete(present.keys().next().value as string);
      present.set(name, { value, loadedAt: at });
    }
    return value;
  }

  return {
    read(name, maxAgeMs = options.ttlMs) {
      const at = options.now();
      const hit = present.get(name);
      if (hit && at - hit.loadedAt < maxAgeMs) return Promise.resolve(hit.value);
      // A missing secret is not re-read sooner on a failed signature: only its time to live brings it back.
      const missedAt = absent.get(name);
      if (missedAt !== undefined && at - missedAt < options.ttlMs) return Promise.resolve(undefined);
      let loading = inFlight.get(name);
      if (!loading) {
        loading = load(name).finally(() => inFlight.delete(name));
        inFlight.set(name, loading);
      }
      return loading;
    },
  };
}
