import { faults } from '../fault-bodies';
import { SimFault } from '../sim-fault';
import generated from './allowed-properties.json';
import type { GeneratedSchema, GeneratedType } from './generate';

/**
 * Rejects a request body the way QBO does when a property is not in the entity's class: QBO binds JSON to classes
 * generated from its XSD and answers 2010 naming the first unknown field and its class
 * (test/fixtures/qbo/fault-unsupported-property.json). Nested objects are checked against their own types
 * (a Line, a SalesItemLineDetail, a ReferenceType), as the binder does.
 */
const schema = generated as GeneratedSchema;

export function schemaType(name: string): GeneratedType | undefined {
  return schema.types[name];
}

export function isSchemaEntity(name: string): boolean {
  return schema.entities.includes(name);
}

export function enumValues(name: string): readonly string[] | undefined {
  return schema.enums[name];
}

/** Jackson's wording, truncated after 1000 characters of names as Jackson does (`… [truncated]])`). */
function unrecognized(field: string, typeName: string, type: GeneratedType): SimFault {
  const names = Object.keys(type.properties);
  let listed = '';
  let truncated = false;
  for (const name of names) {
    if (listed.length > 1000) {
      truncated = true;
      break;
    }
    listed += `${listed === '' ? '' : ', '}"${name}"`;
  }
  const detail =
    `Unrecognized field "${field}" (class com.intuit.schema.finance.v3.${typeName}), not marked as ignorable ` +
    `(${names.length} known properties: ${listed}${truncated ? ' [truncated]' : ''}])\n`;
  return new SimFault(faults.unsupportedProperty(detail));
}

/** A value outside an XSD enumeration fails the binder too (Jackson: "not one of the values accepted"). */
function invalidEnum(enumName: string, value: string): SimFault {
  const accepted = (schema.enums[enumName] ?? []).map((v) => `"${v}"`).join(', ');
  return new SimFault(
    faults.unsupportedProperty(
      `Cannot deserialize value of type \`com.intuit.schema.finance.v3.${enumName}\` from String "${value}": ` +
        `not one of the values accepted for Enum class: [${accepted}]\n`,
    ),
  );
}

function checkValue(value: unknown, propertyType: string): void {
  const list = propertyType.endsWith('[]');
  const typeName = list ? propertyType.slice(0, -2) : propertyType;
  if (typeName.startsWith('enum:')) {
    const enumName = typeName.slice('enum:'.length);
    const values = list && Array.isArray(value) ? (value as unknown[]) : [value];
    for (const item of values)
      if (typeof item === 'string' && !(schema.enums[enumName] ?? []).includes(item)) throw invalidEnum(enumName, item);
    return;
  }
  const type = schema.types[typeName];
  if (!type) return; // a primitive
  const items = list && Array.isArray(value) ? (value as unknown[]) : [value];
  for (const item of items) {
    if (typeof item === 'object' && item !== null && !Array.isArray(item))
      checkObject(item as Record<string, unknown>, typeName, type);
  }
}

function checkObject(body: Record<string, unknown>, typeName: string, type: GeneratedType): void {
  if (type.open) return;
  for (const [field, value] of Object.entries(body)) {
    const propertyType = type.properties[field];
    if (propertyType === undefined) throw unrecognized(field, typeName, type);
    checkValue(value, propertyType);
  }
}

/** Throws the 2010 SimFault for the first property `entity`'s class (or a nested class) does not have. */
export function assertKnownProperties(entity: string, body: Record<string, unknown>): void {
  const type = schema.types[entity];
  if (!type) throw new Error(`no generated schema for ${entity}`);
  checkObject(body, entity, type);
}
