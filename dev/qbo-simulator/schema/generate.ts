import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseXml } from './xsd-reader';
import type { XmlNode } from './xsd-reader';

/**
 * Generates allowed-properties.json, the property lists the simulator accepts per QBO entity, from Intuit's XSDs
 * (xsd/, the schema QBO's own Java classes are generated from; Apache-2.0, see xsd/LICENSE.txt and SOURCES.md).
 * QBO deserialises JSON into those classes and answers 2010 for a property the class does not know
 * (test/fixtures/qbo/fault-unsupported-property.json: `Unrecognized field "BadJson" (class
 * com.intuit.schema.finance.v3.Invoice)`), so the XSD's elements and attributes are exactly the accepted names.
 *
 *   node --require ./test/support/ts-register.cjs dev/qbo-simulator/schema/generate.ts   (writes the JSON here)
 *
 * A test regenerates it and compares with the checked-in file, so the two cannot drift.
 */
export const SCHEMA_DIR = __dirname;
export const XSD_DIR = join(__dirname, 'xsd');
export const OUTPUT = join(__dirname, 'allowed-properties.json');
const XSD_FILES = ['IntuitBaseTypes.xsd', 'IntuitNamesTypes.xsd', 'Finance.xsd'];

/** The top-level entities the simulator serves; every type they reach is generated too. */
export const SCHEMA_ENTITIES = [
  'Customer',
  'Vendor',
  'Item',
  'Account',
  'Invoice',
  'Payment',
  'SalesReceipt',
  'RefundReceipt',
  'CreditMemo',
  'Deposit',
  'JournalEntry',
  'Transfer',
  'TaxCode',
  'TaxRate',
  'Preferences',
  'CompanyInfo',
] as const;

/**
 * A property's type: a primitive (`string`, `boolean`, `number`, `integer`, `date`, `dateTime`), `enum:<Name>`
 * (values in `enums`), or the name of a complex type in `types`; `[]` appended when the element repeats (a JSON
 * array).
 */
export type PropertyType = string;

export interface GeneratedType {
  /** Property names in XSD order, base type first, attributes last. */
  properties: Record<string, PropertyType>;
  /** xs:any: any property goes (IntuitAnyType). */
  open?: true;
}

export interface GeneratedSchema {
  source: string;
  entities: string[];
  types: Record<string, GeneratedType>;
  enums: Record<string, string[]>;
}

const PRIMITIVES: Record<string, string> = {
  'xs:string': 'string',
  'xs:boolean': 'boolean',
  'xs:decimal': 'number',
  'xs:double': 'number',
  'xs:float': 'number',
  'xs:int': 'integer',
  'xs:integer': 'integer',
  'xs:long': 'integer',
  'xs:positiveInteger': 'integer',
  'xs:nonNegativeInteger': 'integer',
  'xs:date': 'date',
  'xs:dateTime': 'dateTime',
  'xs:time': 'string',
  'xs:base64Binary': 'string',
  'xs:anyURI': 'string',
};

interface Definitions {
  complex: Map<string, XmlNode>;
  simple: Map<string, XmlNode>;
  groups: Map<string, XmlNode>;
}

function readDefinitions(xsdDir: string): Definitions {
  const definitions: Definitions = { complex: new Map(), simple: new Map(), groups: new Map() };
  for (const file of XSD_FILES) {
    const document = parseXml(readFileSync(join(xsdDir, file), 'utf8'));
    const schema = document.children.find((node) => node.tag === 'xs:schema');
    if (!schema) throw new Error(`${file}: no xs:schema`);
    for (const node of schema.children) {
      const name = node.attrs.name;
      if (name === undefined) continue;
      if (node.tag === 'xs:complexType') definitions.complex.set(name, node);
      if (node.tag === 'xs:simpleType') definitions.simple.set(name, node);
      if (node.tag === 'xs:group') definitions.groups.set(name, node);
    }
  }
  return definitions;
}

const child = (node: XmlNode, tag: string): XmlNode | undefined => node.children.find((c) => c.tag === tag);

class Generator {
  readonly types: Record<string, GeneratedType> = {};
  readonly enums: Record<string, string[]> = {};

  constructor(private readonly definitions: Definitions) {}

  /** The JSON-side type of an XSD type name, generating complex types on first use. */
  typeOf(xsdType: string): PropertyType {
    const primitive = PRIMITIVES[xsdType];
    if (primitive) return primitive;
    const simple = this.definitions.simple.get(xsdType);
    if (simple) return this.simpleType(xsdType, simple);
    if (this.definitions.complex.has(xsdType)) {
      this.complexType(xsdType);
      return xsdType;
    }
    throw new Error(`unknown XSD type ${xsdType}`);
  }

  private simpleType(name: string, node: XmlNode): PropertyType {
    const restriction = child(node, 'xs:restriction');
    if (!restriction) return 'string';
    const values = restriction.children.filter((c) => c.tag === 'xs:enumeration').map((c) => c.attrs.value ?? '');
    if (values.length > 0) {
      this.enums[name] = values;
      return `enum:${name}`;
    }
    return this.typeOf(restriction.attrs.base ?? 'xs:string');
  }

  complexType(name: string): void {
    if (this.types[name]) return;
    const node = this.definitions.complex.get(name);
    if (!node) throw new Error(`unknown complex type ${name}`);
    const generated: GeneratedType = { properties: {} };
    this.types[name] = generated; // before recursing: types refer to themselves (Line → LineEx, Account → ParentRef)
    const attributes: XmlNode[] = [];
    const collect = (content: XmlNode): void => {
      for (const part of content.children) {
        if (part.tag === 'xs:sequence' || part.tag === 'xs:choice' || part.tag === 'xs:all') collect(part);
        else if (part.tag === 'xs:element') this.element(generated, part);
        else if (part.tag === 'xs:group') {
          const group = this.definitions.groups.get(part.attrs.ref ?? '');
          if (!group) throw new Error(`unknown group ${part.attrs.ref ?? ''}`);
          collect(group);
        } else if (part.tag === 'xs:any') generated.open = true;
        else if (part.tag === 'xs:attribute') attributes.push(part);
        else if (part.tag === 'xs:complexContent' || part.tag === 'xs:simpleContent') {
          const derivation = child(part, 'xs:extension') ?? child(part, 'xs:restriction');
          if (!derivation) throw new Error(`${name}: content without extension`);
          const base = derivation.attrs.base ?? '';
          if (part.tag === 'xs:complexContent') {
            this.complexType(base);
            Object.assign(generated.properties, (this.types[base] as GeneratedType).properties);
            if (this.types[base]?.open) generated.open = true;
          } else {
            // simpleContent: the text is the JSON `value` (ReferenceType → {"value","name","type"}).
            generated.properties.value = this.typeOf(base);
          }
          collect(derivation);
        }
      }
    };
    collect(node);
    for (const attribute of attributes) {
      generated.properties[attribute.attrs.name ?? ''] = this.typeOf(attribute.attrs.type ?? 'xs:string');
    }
  }

  private element(generated: GeneratedType, node: XmlNode): void {
    const name = node.attrs.name;
    if (name === undefined) throw new Error('element without a name');
    const repeated = node.attrs.maxOccurs !== undefined && node.attrs.maxOccurs !== '1';
    let type: string;
    if (node.attrs.type !== undefined) type = this.typeOf(node.attrs.type);
    else if (child(node, 'xs:simpleType'))
      type = this.simpleType(`${name}Enum`, child(node, 'xs:simpleType') as XmlNode);
    else throw new Error(`element ${name} has no type`);
    generated.properties[name] = repeated ? `${type}[]` : type;
  }
}

export function generateSchema(xsdDir: string = XSD_DIR): GeneratedSchema {
  const generator = new Generator(readDefinitions(xsdDir));
  for (const entity of SCHEMA_ENTITIES) generator.complexType(entity);
  const sortedKeys = <T>(record: Record<string, T>): Record<string, T> =>
    Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, record[key] as T]),
    );
  return {
    source: 'intuit/QuickBooks-V3-Java-SDK ipp-v3-java-data/src/main/xsd (Apache-2.0); generated by generate.ts',
    entities: [...SCHEMA_ENTITIES],
    types: sortedKeys(generator.types),
    enums: sortedKeys(generator.enums),
  };
}

/**
 * The file's exact text: JSON formatted by the repository's prettier (its CLI, in a child process: prettier's API
 * loads itself through a dynamic import that jest cannot run), so `prettier --check` agrees with the generator.
 */
export function renderSchema(schema: GeneratedSchema): string {
  return execFileSync(process.execPath, [require.resolve('prettier/bin/prettier.cjs'), '--stdin-filepath', OUTPUT], {
    input: JSON.stringify(schema),
    encoding: 'utf8',
  });
}

if (require.main === module) {
  writeFileSync(OUTPUT, renderSchema(generateSchema()));
  process.stdout.write(`wrote ${OUTPUT}\n`);
}
