import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { PermanentError } from '../shared/errors';
import { normalizedEventSchema, type NormalizedEvent } from './normalized-event.schema';
import { tenantSettingsSchema, type TenantSettings } from './tenant-settings.schema';
import { auditRecordSchema, type AuditRecord } from './audit-record.schema';
import { linkRecordSchema, type LinkRecord } from './link-record.schema';
import { backfillCommandSchema, type BackfillCommand } from './backfill-command.schema';
import { replayCommandSchema, type ReplayCommand } from './replay-command.schema';

/** Thrown when a message or document does not match its schema: never retried (DESIGN section 3). */
export class SchemaValidationError extends PermanentError {
  constructor(
    readonly schema: string,
    readonly problems: readonly string[],
  ) {
    super(`${schema} invalid: ${problems.join('; ')}`, {
      code: 'invalid_message',
      detail: problems.join('; ').slice(0, 500),
    });
  }
}

export interface Validator<T> {
  readonly name: string;
  /** Returns the value typed, or throws SchemaValidationError naming every problem. */
  parse(value: unknown): T;
  is(value: unknown): value is T;
}

/** Compiles every schema once; build one per instance (composition root) and pass it in. */
export function createValidators() {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  addFormats(ajv);
  const make = <T>(name: string, schema: object): Validator<T> => {
    const compiled: ValidateFunction = ajv.compile(schema);
    return {
      name,
      is: (value: unknown): value is T => compiled(value) === true,
      parse(value: unknown): T {
        if (compiled(value)) return value as T;
        const problems = (compiled.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
        throw new SchemaValidationError(name, problems);
      },
    };
  };
  return {
    normalizedEvent: make<NormalizedEvent>('normalized-event', normalizedEventSchema),
    tenantSettings: make<TenantSettings>('tenant-settings', tenantSettingsSchema),
    auditRecord: make<AuditRecord>('audit-record', auditRecordSchema),
    linkRecord: make<LinkRecord>('link-record', linkRecordSchema),
    backfillCommand: make<BackfillCommand>('backfill-command', backfillCommandSchema),
    replayCommand: make<ReplayCommand>('replay-command', replayCommandSchema),
  };
}

export type Validators = ReturnType<typeof createValidators>;
