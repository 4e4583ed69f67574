import { parseQuery, queryResponseBody, runQuery } from '../../../dev/qbo-simulator/query';
import { SimFault } from '../../../dev/qbo-simulator/sim-fault';

const rows = [
  { Id: '1', DisplayName: "Amy's Bird Sanctuary", Balance: 239, CustomerRef: { value: '1' }, Active: true },
  { Id: '2', DisplayName: 'Cool Cars', Balance: 0, CustomerRef: { value: '2' }, Active: false },
  { Id: '10', DisplayName: 'Cool Beans', Balance: 1005, CustomerRef: { value: '1' }, Active: true },
];
const run = (sql: string) => runQuery(parseQuery(sql), rows).rows.map((r) => r.Id);

describe('simulator query language subset', () => {
  it("unescapes \\' inside quoted values", () => {
    expect(run("select * from Customer where DisplayName = 'Amy\\'s Bird Sanctuary'")).toEqual(['1']);
  });

  it('compares reference fields on their value, numbers as numbers, booleans as words', () => {
    expect(run("SELECT * FROM Invoice WHERE CustomerRef = '1'")).toEqual(['1', '10']);
    expect(run("SELECT * FROM Customer WHERE Balance > '200' ORDERBY Balance DESC")).toEqual(['10', '1']);
    expect(run('SELECT * FROM Customer WHERE Active = false')).toEqual(['2']);
  });

  it('answers one whole page in creation order, and pages by numeric Id with ORDERBY Id and 1-based STARTPOSITION', () => {
    expect(run('SELECT * FROM Invoice')).toEqual(['1', '2', '10']);
    expect(run('SELECT * FROM Invoice ORDERBY Id STARTPOSITION 2 MAXRESULTS 1')).toEqual(['2']);
  });

  it('takes MAXRESULTS up to 1000 and counts with COUNT(*)', () => {
    expect(parseQuery('SELECT * FROM Item MAXRESULTS 1000').maxResults).toBe(1000);
    expect(
      queryResponseBody(
        runQuery(
          parseQuery("SELECT COUNT(*) FROM Customer WHERE DisplayName LIKE 'Cool%' AND Active IN (true, false)"),
          rows,
        ),
      ),
    ).toEqual({ totalCount: 2 });
  });

  it('rejects what QBO rejects with 4001', () => {
    for (const sql of [
      'SELECT * FROM Custmoer',
      "SELECT * FROM Customer WHERE DisplayName = 'open",
      'DELETE FROM Customer',
    ]) {
      expect(() => parseQuery(sql)).toThrow(SimFault);
    }
  });

  it('hides inactive name-list objects unless the query filters on Active (qbo_api get/inactive_vendors.yml)', () => {
    expect(run('SELECT * FROM Customer')).toEqual(['1', '10']);
    expect(run('SELECT * FROM Customer WHERE Active IN (true, false)')).toEqual(['1', '2', '10']);
    expect(run("SELECT * FROM Customer WHERE Id IN ('1', '2') AND Active IN ( true, false )")).toEqual(['1', '2']);
    expect(run('SELECT * FROM Invoice')).toEqual(['1', '2', '10']);
  });

  it('compares strings without regard to case in =, IN and LIKE', () => {
    expect(run("SELECT * FROM Customer WHERE DisplayName = 'COOL BEANS'")).toEqual(['10']);
    expect(run("SELECT * FROM Customer WHERE DisplayName IN ('amy\\'s bird sanctuary')")).toEqual(['1']);
    expect(run("SELECT * FROM Customer WHERE DisplayName LIKE 'cool%'")).toEqual(['10']);
  });

  it.each([
    ['STARTPOSITION 0', 'SELECT * FROM Customer STARTPOSITION 0'],
    ['MAXRESULTS over 1000', 'SELECT * FROM Customer MAXRESULTS 1001'],
    ['a filter on PrivateNote', "SELECT * FROM Invoice WHERE PrivateNote = 'stripe:in_1'"],
    ["a SQL-style '' escape", "SELECT * FROM Customer WHERE DisplayName = 'Amy''s Bird Sanctuary'"],
  ])('answers 4001 to %s', (_what, sql) => {
    let fault: unknown;
    try {
      parseQuery(sql);
    } catch (error) {
      fault = error;
    }
    expect(fault).toBeInstanceOf(SimFault);
    expect((fault as SimFault).fault.code).toBe('4001');
  });

  it('promises no order without ORDERBY: paging without it can skip objects, paging with ORDERBY Id reads all', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ Id: String(i + 1), TxnDate: '2025-01-01' }));
    const read = (order: string) => {
      const ids: string[] = [];
      for (let start = 1; start <= 30; start += 10)
        ids.push(
          ...runQuery(parseQuery(`SELECT * FROM Invoice ${order} STARTPOSITION ${start} MAXRESULTS 10`), many).rows.map(
            (r) => String(r.Id),
          ),
        );
      return new Set(ids).size;
    };
    expect(read('ORDERBY Id')).toBe(30);
    expect(read('')).toBeLessThan(30);
  });
});
