import pino from 'pino';
import { redactDeep, redactString } from './redact';
import { serializeError } from './serialize-error';
import type { Logger, DestinationStream } from 'pino';

export type { Logger } from 'pino';

/**
 * Everything logged passes through redactDeep (redact.ts): sensitive keys at any depth, email- and token-shaped
 * strings anywhere, and errors reduced to their codes by serializeError. pino's own `redact` paths cannot express
 * "at any depth" (a Stripe event nests `billing_details` three levels down), which is why they are not used.
 */
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
      formatters: {
        level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT', level: label }),
        bindings: (bindings) => redactDeep(bindings) as Record<string, unknown>,
        log: (object) => redactDeep(object) as Record<string, unknown>,
      },
      // Errors are already plain after redactDeep; this catches one passed where the formatter does not look.
      serializers: { err: (value: unknown) => (value instanceof Error ? serializeError(value) : value) },
      hooks: {
        // The message text too: `logger.warn({…}, \`… ${something}\`)` must not carry an email or a token.
        // An error logged alone would make its message the line's message: log it by its codes instead.
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          const spread =
            first instanceof Error
              ? [{ err: first }, typeof rest[0] === 'string' ? rest[0] : `error ${serializeError(first).type}`]
              : args;
          const cleaned = spread.map((arg) => (typeof arg === 'string' ? redactString(arg) : arg));
          return method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
