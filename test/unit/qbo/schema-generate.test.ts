import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUTPUT, XSD_DIR, generateSchema, renderSchema } from '../../../dev/qbo-simulator/schema/generate';
import { REQUIRED_ON_CREATE } from '../../../dev/qbo-simulator/schema/required';

const checkedIn = readFileSync(OUTPUT, 'utf8');
const schema = generateSchema(XSD_DIR);
const properties = (type: string) => Object.keys(schema.types[type]?.properties ?? {});

describe("allowed-properties.json is generated from Intuit's XSDs", () => {
  it('the checked-in file is exactly what generate.ts makes from dev/qbo-simulator/schema/xsd', () => {
    expect(renderSchema(schema)).toBe(checkedIn);
  });

  it('the XSDs are the ones in shared/fixtures, byte for byte (IntuitBaseTypes, IntuitNamesTypes, Finance)', () => {
    for (const file of ['Finance.xsd', 'IntuitBaseTypes.xsd', 'IntuitNamesTypes.xsd', 'LICENSE.txt']) {
      const vendored = readFileSync(join(XSD_DIR, file));
      // ../shared beside the checkout (DESIGN's fixtures), or two levels up from a worktree.
      const original = ['../../../../shared', '../../../../../shared']
        .map((up) => join(__dirname, up, 'fixtures/qbo/xsd', file))
        .find((path) => existsSync(path));
      if (original) expect(vendored.equals(readFileSync(original))).toBe(true);
    }
  });

  it('Customer (IntuitNamesTypes.xsd, Customer extends NameBase) has Notes and no PrivateNote', () => {
    expect(properties('Customer')).toContain('Notes');
    expect(properties('Customer')).not.toContain('PrivateNote');
  });

  it('every transaction we write has PrivateNote (Finance.xsd, Transaction) and Transfer has its accounts', () => {
    for (const entity of [
      'Invoice',
      'Payment',
      'SalesReceipt',
      'RefundReceipt',
      'CreditMemo',
      'Deposit',
      'JournalEntry',
    ])
      expect(properties(entity)).toContain('PrivateNote');
    expect(properties('Transfer')).toEqual(expect.arrayContaining(['FromAccountRef', 'ToAccountRef', 'Amount']));
  });

  it('knows every Invoice property QBO itself listed in a real 2010 fault (fixtures/qbo/fault-unsupported-property.json)', () => {
    const fault = JSON.parse(
      readFileSync(join(__dirname, '../../fixtures/qbo/fault-unsupported-property.json'), 'utf8'),
    ) as { Fault: { Error: Array<{ Detail: string }> } };
    const detail = fault.Fault.Error[0]?.Detail ?? '';
    const listed = [...detail.slice(detail.indexOf('known properties:')).matchAll(/"(\w+)"/g)].map((m) => m[1]);
    expect(listed.length).toBeGreaterThan(50);
    expect(listed.filter((name) => !properties('Invoice').includes(name as string))).toEqual([]);
  });

  it('every required field (schema/required.ts) is a property of its entity', () => {
    for (const [entity, fields] of Object.entries(REQUIRED_ON_CREATE))
      for (const field of fields ?? [])
        expect(`${entity}.${field}:${properties(entity).includes(field)}`).toBe(`${entity}.${field}:true`);
  });

  it('references carry value, name and type (ReferenceType is simpleContent with two attributes)', () => {
    expect(properties('ReferenceType')).toEqual(['value', 'name', 'type']);
  });
});
