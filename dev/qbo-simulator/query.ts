import { NAME_LISTS, simEntityName } from './entities';
import type { SimEntityName } from './entities';
import { faults } from './fault-bodies';
import { isFilterable } from './filterable';
import { SimFault } from './sim-fault';

/**
 * The subset of QBO's query language our code sends:
 *   SELECT * | COUNT(*) FROM Entity
 *   [WHERE field op value [AND field op value]...]   op: = != < > <= >= LIKE IN
 *   [ORDERBY field [ASC|DESC][, ...]] [STARTPOSITION n] [MAXRESULTS n]
 * Values are single-quoted with `\'` escapes (`DisplayName = 'Amy\'s Bird Sanctuary'`); SQL's doubled `''` is not
 * an escape and fails to parse. IN lists may hold bare words (`Active IN (true, false)`, as qbo_api's recorded
 * queries send). LIKE supports `%` only, as QBO does. A reference field compares on its `value`
 * (`CustomerRef = '1'`). String comparisons ignore case, as QBO's do. STARTPOSITION is 1-based (0 → 4001);
 * MAXRESULTS defaults to 100 and may not exceed 1000 (4001). Name lists (Customer, Vendor, Item, Account) return
 * active objects only unless the query filters on Active. Only the properties QBO marks filterable may appear in
 * WHERE (filterable.ts); any other, PrivateNote and Line among them, is 4001.
 */
export interface Condition {
  field: string;
  op: '=' | '!=' | '<' | '>' | '<=' | '>=' | 'LIKE' | 'IN';
  values: string[];
}

export interface ParsedQuery {
  entity: SimEntityName;
  /** True when ORDERBY was given: without it QBO promises no order (see runQuery). */
  ordered: boolean;
  count: boolean;
  where: Condition[];
  orderBy: Array<{ field: string; desc: boolean }>;
  startPosition: number;
  maxResults: number;
}

const MAX_RESULTS = 1000;

type Token = { kind: 'word' | 'string' | 'symbol'; text: string };

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let text = '';
      i++;
      while (i < sql.length && sql[i] !== "'") {
        if (sql[i] === '\\' && i + 1 < sql.length) i++;
        text += sql[i];
        i++;
      }
      if (i >= sql.length) throw new SimFault(faults.invalidQuery('unterminated string literal'));
      i++;
      tokens.push({ kind: 'string', text });
    } else if (/[<>!=]/.test(c)) {
      const two = sql.slice(i, i + 2);
      const op = ['<=', '>=', '!=', '<>'].includes(two) ? two : c;
      tokens.push({ kind: 'symbol', text: op === '<>' ? '!=' : op });
      i += op.length;
    } else if (/[(),*]/.test(c)) {
      tokens.push({ kind: 'symbol', text: c });
      i++;
    } else {
      const match = /^[^\s'<>!=(),*]+/.exec(sql.slice(i));
      const text = match?.[0] ?? c;
      tokens.push({ kind: 'word', text });
      i += text.length;
    }
  }
  return tokens;
}

export function parseQuery(sql: string): ParsedQuery {
  const tokens = tokenize(sql);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const isWord = (word: string): boolean => peek()?.kind === 'word' && peek()?.text.toUpperCase() === word;
  const expect = (text: string): void => {
    const token = tokens[at++];
    if (!token || token.text.toUpperCase() !== text)
      throw new SimFault(faults.invalidQuery(`expected ${text} near ${token?.text ?? 'end of query'}`));
  };
  const word = (): string => {
    const token = tokens[at++];
    if (!token || token.kind !== 'word') throw new SimFault(faults.invalidQuery(`unexpected ${token?.text ?? 'end'}`));
    return token.text;
  };
  const integer = (): number => {
    const token = tokens[at++];
    const value = Number(token?.text);
    if (!token || !Number.isInteger(value) || value < 0)
      throw new SimFault(faults.invalidQuery(`expected a number near ${token?.text ?? 'end'}`));
    return value;
  };

  expect('SELECT');
  let count = false;
  if (isWord('COUNT')) {
    at++;
    expect('(');
    expect('*');
    expect(')');
    count = true;
  } else if (peek()?.text === '*') {
    at++;
  } else {
    // A field list: QBO accepts it; we return whole objects, which is a superset.
    while (peek() && !isWord('FROM')) at++;
  }
  expect('FROM');
  const rawEntity = word();
  const entity = simEntityName(rawEntity);
  if (!entity) throw new SimFault(faults.invalidQuery(`invalid context declaration: ${rawEntity}`));

  const where: Condition[] = [];
  if (isWord('WHERE')) {
    at++;
    for (;;) {
      const field = word();
      let opToken = tokens[at++];
      let op = opToken?.text.toUpperCase() ?? '';
      if (op === 'NOT') throw new SimFault(faults.invalidQuery('NOT is not supported'));
      if (!['=', '!=', '<', '>', '<=', '>=', 'LIKE', 'IN'].includes(op))
        throw new SimFault(faults.invalidQuery(`unsupported operator ${opToken?.text ?? ''}`));
      const values: string[] = [];
      if (op === 'IN') {
        expect('(');
        for (;;) {
          opToken = tokens[at++];
          if (opToken?.kind !== 'string' && opToken?.kind !== 'word')
            throw new SimFault(faults.invalidQuery('IN expects a list of values'));
          values.push(opToken.text);
          if (peek()?.text === ',') at++;
          else break;
        }
        expect(')');
      } else {
        const value = tokens[at++];
        if (!value || (value.kind !== 'string' && value.kind !== 'word'))
          throw new SimFault(faults.invalidQuery(`expected a value after ${field}`));
        values.push(value.text);
      }
      op = op === '<>' ? '!=' : op;
      if (!isFilterable(entity, field)) throw new SimFault(faults.notQueryable(field));
      where.push({ field, op: op as Condition['op'], values });
      if (isWord('AND')) at++;
      else break;
    }
  }
  const orderBy: ParsedQuery['orderBy'] = [];
  if (isWord('ORDERBY') || isWord('ORDER')) {
    if (isWord('ORDER')) {
      at++;
      expect('BY');
    } else at++;
    for (;;) {
      const field = word();
      const desc = isWord('DESC');
      if (desc || isWord('ASC')) at++;
      orderBy.push({ field, desc });
      if (peek()?.text === ',') at++;
      else break;
    }
  }
  let startPosition = 1;
  let maxResults = 100;
  while (peek()) {
    const clause = peek()?.text.toUpperCase();
    at++;
    if (clause === 'STARTPOSITION') {
      startPosition = integer();
      if (startPosition < 1) throw new SimFault(faults.invalidQuery('STARTPOSITION must be 1 or greater'));
    } else if (clause === 'MAXRESULTS') {
      maxResults = integer();
      if (maxResults < 1 || maxResults > MAX_RESULTS)
        throw new SimFault(faults.invalidQuery(`MAXRESULTS must be between 1 and ${MAX_RESULTS}`));
    } else throw new SimFault(faults.invalidQuery(`unexpected ${clause ?? ''}`));
  }
  return { entity, ordered: orderBy.length > 0, count, where, orderBy, startPosition, maxResults };
}

function fieldValue(row: Record<string, unknown>, path: string): unknown {
  let value: unknown = row;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    const record = value as Record<string, unknown>;
    const key = Object.keys(record).find((k) => k.toLowerCase() === part.toLowerCase());
    value = key === undefined ? undefined : record[key];
  }
  // `CustomerRef = '1'` compares the reference's id; `PrimaryEmailAddr = 'a@b.c'` the address.
  if (typeof value === 'object' && value !== null && 'value' in value) return (value as { value: unknown }).value;
  if (typeof value === 'object' && value !== null && 'Address' in value) return (value as { Address: unknown }).Address;
  return value;
}

function compare(a: unknown, b: string): number {
  const x = typeof a === 'number' ? a : Number(a);
  const y = Number(b);
  if (typeof a !== 'boolean' && a !== '' && b !== '' && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  const left = String(a ?? '').toLowerCase();
  const right = b.toLowerCase();
  return left < right ? -1 : left > right ? 1 : 0;
}

function likePattern(value: string): RegExp {
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*');
  return new RegExp(`^${escaped}$`, 'is');
}

function matches(row: Record<string, unknown>, condition: Condition): boolean {
  const value = fieldValue(row, condition.field);
  const [first = ''] = condition.values;
  switch (condition.op) {
    case '=':
      return compare(value, first) === 0;
    case '!=':
      return compare(value, first) !== 0;
    case '<':
      return compare(value, first) < 0;
    case '>':
      return compare(value, first) > 0;
    case '<=':
      return compare(value, first) <= 0;
    case '>=':
      return compare(value, first) >= 0;
    case 'LIKE':
      return likePattern(first).test(String(value ?? ''));
    case 'IN':
      return condition.values.some((v) => compare(value, v) === 0);
  }
}

export interface QueryResult {
  entity: SimEntityName;
  count?: number;
  rows: Array<Record<string, unknown>>;
  startPosition: number;
}

/** FNV-1a: a cheap, stable hash for the unordered read below. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function runQuery(query: ParsedQuery, rows: Array<Record<string, unknown>>): QueryResult {
  // Name lists hide inactive objects unless the query says which it wants (`Active IN (true, false)`).
  const activeOnly = NAME_LISTS.has(query.entity) && !query.where.some((c) => c.field.toLowerCase() === 'active');
  const filtered = rows.filter(
    (row) => (!activeOnly || row.Active !== false) && query.where.every((condition) => matches(row, condition)),
  );
  if (query.count) return { entity: query.entity, count: filtered.length, rows: [], startPosition: 1 };
  if (query.ordered) {
    filtered.sort((a, b) => {
      for (const { field, desc } of query.orderBy) {
        const c = compare(fieldValue(a, field), String(fieldValue(b, field) ?? ''));
        if (c !== 0) return desc ? -c : c;
      }
      return 0;
    });
  } else {
    // QBO promises no order without ORDERBY. One page holding everything comes back in creation order, as QBO's
    // usually does; but once a read pages, each page is cut from its own arbitrary order, so paging without
    // ORDERBY can skip or repeat objects, as it can against QBO. Code that pages must say ORDERBY.
    const pages = query.startPosition > 1 || filtered.length > query.maxResults;
    const key = (row: Record<string, unknown>) => (pages ? hash(`${String(row.Id)}:${query.startPosition}`) : 0);
    filtered.sort((a, b) => key(a) - key(b) || compare(a.Id, String(b.Id)));
  }
  const page = filtered.slice(query.startPosition - 1, query.startPosition - 1 + query.maxResults);
  return { entity: query.entity, rows: page, startPosition: query.startPosition };
}

/** The QueryResponse envelope exactly as fixtures/qbo/query-*.json show it (empty page: no counters at all). */
export function queryResponseBody(result: QueryResult): Record<string, unknown> {
  if (result.count !== undefined) return { totalCount: result.count };
  if (result.rows.length === 0) return {};
  return { [result.entity]: result.rows, startPosition: result.startPosition, maxResults: result.rows.length };
}
