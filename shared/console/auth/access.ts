import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IapVerifier } from './iap-jwt';

/**
 * Who is asking, and what they may do. Everyone IAP lets through may look (viewer); the deployment's operator
 * list (emails, case-insensitive) may also act (operator). Locally the stack serves the console on 127.0.0.1
 * with IAP off and one local operator.
 */
export type Role = 'viewer' | 'operator';

export interface Viewer {
  /** For the page header only; never logged, stored or put in an audit row. */
  email: string;
  /** What actions are recorded under: IAP's subject id, or `local`. */
  actorId: string;
  role: Role;
}

export interface ConsoleAuth {
  /** Throws when the request may not see the console at all. */
  identify(headers: { get(name: string): string | undefined }): Promise<Viewer>;
  /** Production runs behind HTTPS: cookies get Secure and the __Host- prefix. */
  secure: boolean;
}

export function iapAuth(verifier: IapVerifier, operators: readonly string[]): ConsoleAuth {
  const allowed = new Set(
    operators
      .map((entry) =>
        entry
          .trim()
          .toLowerCase()
          .replace(/^user:/, ''),
      )
      .filter(Boolean),
  );
  return {
    secure: true,
    async identify(headers) {
      const identity = await verifier.verify(headers.get('x-goog-iap-jwt-assertion'));
      return {
        email: identity.email,
        actorId: identity.subject,
        role: allowed.has(identity.email) ? 'operator' : 'viewer',
      };
    },
  };
}

/** The local stack only: no IAP in front, the console bound to 127.0.0.1, the person at the keyboard an operator. */
export function localAuth(role: Role = 'operator'): ConsoleAuth {
  return {
    secure: false,
    async identify() {
      return { email: 'local operator', actorId: 'local', role };
    },
  };
}

/**
 * CSRF protection by double submit: a random token in a cookie (SameSite=Strict, HttpOnly, __Host- in production)
 * that every form repeats in a hidden field; a POST whose field does not match its cookie is refused. Another
 * site can make a browser send the cookie but cannot read it to fill the field.
 */
export const CSRF_FIELD = '_csrf';

export function csrfCookieName(secure: boolean): string {
  return secure ? '__Host-console-csrf' : 'console-csrf';
}

export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

export function csrfMatches(cookie: string | undefined, field: string | undefined): boolean {
  if (!cookie || !field || cookie.length < 32) return false;
  const a = Buffer.from(cookie);
  const b = Buffer.from(field);
  return a.length === b.length && timingSafeEqual(a, b);
}
