import { parseQuery } from '../../../dev/qbo-simulator/query';
import { SimFault } from '../../../dev/qbo-simulator/sim-fault';

const faultOf = (sql: string): SimFault['fault'] | undefined => {
  try {
    parseQuery(sql);
    return undefined;
  } catch (error) {
    if (error instanceof SimFault) return error.fault;
    throw error;
  }
};

/**
 * QBO answers a WHERE on a property its reference does not mark filterable with 4001 (dev/qbo-simulator/filterable.ts
 * names the source of each list). The raw fault is quoted in ruckus/quickbooks-ruby issue #403.
 */
describe('simulator queries: only filterable properties in WHERE', () => {
  // Every query shape the product sends (shared/consumers: customer matching and directory, the write protocol's
  // probes, product items; shared/cli tenant-check), for every entity it probes.
  it.each([
    "SELECT * FROM Customer WHERE PrimaryEmailAddr = 'a@b.c'",
    "SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s'",
    "SELECT * FROM Customer WHERE DisplayName LIKE '%amy%' MAXRESULTS 100",
    "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime >= '2025-01-01T00:00:00-07:00' AND Active IN (true, false) ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000",
    "SELECT * FROM Item WHERE Name = 'Pro plan'",
    "SELECT * FROM Item WHERE Id = '5' AND Active = false",
    "select * from Account where Id = '35'",
    ...[
      'Invoice',
      'CreditMemo',
      'SalesReceipt',
      'RefundReceipt',
      'Payment',
      'Deposit',
      'JournalEntry',
      'Transfer',
    ].flatMap((entity) => [
      `SELECT * FROM ${entity} WHERE DocNumber = 'INV-1'`,
      `SELECT * FROM ${entity} WHERE TxnDate = '2025-04-01' ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000`,
    ]),
  ])('accepts %s', (sql) => {
    expect(faultOf(sql)).toBeUndefined();
  });

  it.each([
    ['Vendor', 'PrimaryEmailAddr', "SELECT * FROM Vendor WHERE PrimaryEmailAddr = 'john@doe.com'"],
    ['Customer', 'AcctNum', "SELECT * FROM Customer WHERE AcctNum = '42'"],
    ['Customer', 'Notes', "SELECT * FROM Customer WHERE Notes = 'stripe:cus_1'"],
    ['Invoice', 'PrivateNote', "SELECT * FROM Invoice WHERE PrivateNote = 'stripe:in_1'"],
    ['Deposit', 'DepositToAccountRef', "SELECT * FROM Deposit WHERE DepositToAccountRef = '35'"],
  ])('refuses %s.%s with the real 4001 text', (_entity, property, sql) => {
    expect(faultOf(sql)).toEqual({
      Message: 'Invalid query',
      Detail: `QueryValidationError: property '${property}' is not queryable`,
      code: '4001',
    });
  });
});
