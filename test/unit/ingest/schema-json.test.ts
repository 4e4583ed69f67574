import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  SCHEMA_DIR,
  SCHEMA_SOURCES,
  jsonSchemaFileName,
  writeJsonSchemaFiles,
} from '../../../schemas/emit-json-schemas';

const names = Object.keys(SCHEMA_SOURCES) as Array<keyof typeof SCHEMA_SOURCES>;

describe('the emitted JSON schemas equal the TypeScript consts the types come from', () => {
  beforeAll(async () => {
    // The one sanctioned way to refresh the copies from a test run; never set in CI.
    if (process.env.UPDATE_SCHEMA_JSON === '1') await writeJsonSchemaFiles();
  });

  test.each(names)('%s.schema.json matches its const', (name) => {
    const file = JSON.parse(readFileSync(join(SCHEMA_DIR, jsonSchemaFileName(name)), 'utf8')) as unknown;
    expect(file).toEqual(JSON.parse(JSON.stringify(SCHEMA_SOURCES[name])));
  });

  test('every schema in schemas/ has a JSON copy and a source entry', () => {
    const sources = readdirSync(SCHEMA_DIR)
      .filter((file) => file.endsWith('.schema.ts'))
      .map((file) => file.replace(/\.schema\.ts$/, ''))
      .sort();
    expect([...names].sort()).toEqual(sources);
  });
});
