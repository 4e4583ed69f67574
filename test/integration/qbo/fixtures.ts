import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Real QBO payloads copied from ../shared/fixtures/qbo (see SOURCES.md there and beside these files). */
export function qboFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '../../fixtures/qbo', name), 'utf8')) as Record<string, unknown>;
}

/** The shape of a JSON value: keys (sorted) and leaf types, arrays by their first element. */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [shapeOf(value[0])] : [];
  if (value === null) return 'null';
  if (typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, shapeOf((value as Record<string, unknown>)[k])]),
    );
  return typeof value;
}
