import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { auditRecordSchema } from './audit-record.schema';
import { backfillCommandSchema } from './backfill-command.schema';
import { linkRecordSchema } from './link-record.schema';
import { normalizedEventSchema } from './normalized-event.schema';
import { replayCommandSchema } from './replay-command.schema';
import { tenantSettingsSchema } from './tenant-settings.schema';

/**
 * The TypeScript consts are the source of truth: types come from them (json-schema-to-ts) and ajv compiles them.
 * The `*.schema.json` copies beside them exist for everything that is not TypeScript (BigQuery table definitions,
 * Terraform, other teams' consumers). A unit test fails when a copy differs from its const, so the two cannot
 * drift; rerun this after changing a schema:
 *   npm run build && node dist/schemas/emit-json-schemas.js
 * (or `UPDATE_SCHEMA_JSON=1 npx jest test/unit/ingest/schema-json`).
 */
export const SCHEMA_SOURCES = {
  'normalized-event': normalizedEventSchema,
  'tenant-settings': tenantSettingsSchema,
  'backfill-command': backfillCommandSchema,
  'replay-command': replayCommandSchema,
  'audit-record': auditRecordSchema,
  'link-record': linkRecordSchema,
} as const;

export const SCHEMA_DIR = __dirname.endsWith(join('dist', 'schemas'))
  ? join(__dirname, '..', '..', 'schemas')
  : __dirname;

export function jsonSchemaFileName(name: keyof typeof SCHEMA_SOURCES): string {
  return `${name}.schema.json`;
}

/** Each schema as the text of its JSON file (the drift test compares parsed values, not formatting). */
export function renderJsonSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, schema] of Object.entries(SCHEMA_SOURCES))
    files.set(jsonSchemaFileName(name as keyof typeof SCHEMA_SOURCES), `${JSON.stringify(schema, null, 2)}\n`);
  return files;
}

/**
 * Writes the copies, then formats them with the project's prettier (its CLI, in a child process: prettier 3 is
 * ESM-only inside, which jest's CommonJS runtime cannot import), so `npm run lint` stays green.
 */
export async function writeJsonSchemaFiles(dir: string = SCHEMA_DIR): Promise<string[]> {
  const written: string[] = [];
  for (const [file, text] of renderJsonSchemaFiles()) {
    await writeFile(join(dir, file), text);
    written.push(join(dir, file));
  }
  execFileSync(process.execPath, [
    require.resolve('prettier/bin/prettier.cjs'),
    '--write',
    '--log-level=warn',
    ...written,
  ]);
  return written;
}

if (require.main === module) {
  writeJsonSchemaFiles().then(
    (files) => console.log(`wrote ${files.join(', ')}`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
