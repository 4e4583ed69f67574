import pino from 'pino';
import type { Logger, DestinationStream } from 'pino';

export type { Logger } from 'pino';

/**
 * Keys that may hold a secret or personal data. Our code logs external ids only; this list is the safety net
 * for an object logged by mistake (a Stripe customer, a token response, an HTTP header bag).
 */
export const REDACTED_PATHS = [
  'access_token',
  'refresh_token',
  'accessToken',
  'refreshToken',
  'id_token',
  'client_secret',
  'clientSecret',
  'authorization',
  'Authorization',
  'secret',
  'password',
  'email',
  'name',
  'phone',
  'address',
  'DisplayName',
  'PrimaryEmailAddr',
  '*.access_token',
  '*.refresh_token',
  '*.accessToken',
  '*.refreshToken',
  '*.authorization',
  '*.Authorization',
  '*.secret',
  '*.email',
  '*.name',
  '*.phone',
  '*.address',
  '*.DisplayName',
  '*.PrimaryEmailAddr',
  'headers.authorization',
  'headers["stripe-signature"]',
];

const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

export interface LoggerOptions {
  functionName: string;
  level?: string;
  /** Where lines go; stdout by default (Cloud Logging reads it). Tests pass a capturing stream. */
  destination?: DestinationStream;
}

/** pino with Cloud Logging's field names (`severity`, `message`) and every line tagged with its function. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      messageKey: 'message',
      base: { function: options.functionName },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: {
        level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT', level: label }),
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
