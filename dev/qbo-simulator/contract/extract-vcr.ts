import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * Turns VCR cassettes recorded against the QBO sandbox (minimul/qbo_api, spec/vcr/, MIT) into the exchanges the
 * contract test replays against the simulator: method, path after the realm, query, JSON body, and the recorded
 * status and JSON answer. Authorization headers were already scrubbed by the recorder; we keep no headers at all.
 *
 *   node --require ./test/support/ts-register.cjs dev/qbo-simulator/contract/extract-vcr.ts <git dir of qbo_api> <commit>
 *
 * Writes test/fixtures/qbo-contract/qbo_api-vcr.json (data only; see SOURCES.md there).
 */
export const CASSETTES = [
  'create/customer.yml',
  'create/invoice.yml',
  'error/400.yml',
  'error/400_json.yml',
  'error/401.yml',
  'error/500.yml',
  'error/validation.yml',
  'get/display_name.yml',
  'get/id.yml',
  'get/inactive_vendors.yml',
  'misc/ampersand.yml',
  'all/vendors_by_5.yml',
  'all/alt_select.yml',
  'deactivate/account.yml',
  'void/invoice.yml',
  'delete/invoice.yml',
  'update/customer.yml',
  'update/sales_receipt.yml',
  'batch/basic.yml',
  'reports/gl.yml',
];

export interface RecordedExchange {
  request: { method: string; path: string; query: Record<string, string>; body: unknown };
  response: { status: number; body: unknown };
}

interface Interaction {
  request: { method: string; uri: string; body?: { string?: string } };
  response: { status: { code: number }; body?: { string?: string } };
}

function json(text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function exchangesOf(yamlText: string): RecordedExchange[] {
  const cassette = parse(yamlText) as { http_interactions: Interaction[] };
  return cassette.http_interactions.flatMap((interaction) => {
    const url = new URL(interaction.request.uri);
    // Some cassettes were recorded with the company segment filtered out of the path (`/v3/invoice/264`).
    const match = /^\/v3\/(?:company\/[^/]+\/)?(.*)$/.exec(url.pathname);
    if (!match) return [];
    const query = Object.fromEntries([...url.searchParams].filter(([key]) => key !== 'minorversion'));
    return [
      {
        request: {
          method: interaction.request.method.toUpperCase(),
          path: match[1] as string,
          query,
          body: json(interaction.request.body?.string),
        },
        response: { status: interaction.response.status.code, body: json(interaction.response.body?.string) },
      },
    ];
  });
}

if (require.main === module) {
  const [gitDir, commit] = process.argv.slice(2);
  if (!gitDir || !commit) throw new Error('usage: extract-vcr.ts <git dir> <commit>');
  const cassettes: Record<string, RecordedExchange[]> = {};
  for (const name of CASSETTES) {
    const text = execFileSync('git', ['--git-dir', gitDir, 'show', `${commit}:spec/vcr/${name}`], { encoding: 'utf8' });
    cassettes[name] = exchangesOf(text);
  }
  const out = join(__dirname, '../../../test/fixtures/qbo-contract/qbo_api-vcr.json');
  writeFileSync(out, `${JSON.stringify({ source: `minimul/qbo_api@${commit} spec/vcr (MIT)`, cassettes }, null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
}
