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

  it('orders by numeric Id by default and pages with 1-based STARTPOSITION', () => {
    expect(run('SELECT * FROM Customer')).toEqual(['1', '2', '10']);
    expect(run('SELECT * FROM Customer STARTPOSITION 2 MAXRESULTS 1')).toEqual(['2']);
  });

  it('caps MAXRESULTS at 1000 and counts with COUNT(*)', () => {
    expect(parseQuery('SELECT * FROM Item MAXRESULTS 5000').maxResults).toBe(1000);
    expect(
      queryResponseBody(runQuery(parseQuery("SELECT COUNT(*) FROM Customer WHERE DisplayName LIKE 'Cool%'"), rows)),
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
});
