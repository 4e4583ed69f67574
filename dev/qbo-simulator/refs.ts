import type { SimEntityName } from './entities';
import type { SimCompany } from './company';
import { faults } from './fault-bodies';
import { SimFault, refValue } from './sim-fault';
import type { SimRecord } from './sim-fault';

/**
 * A reference field, when present, must point at an existing object (2500 "Invalid Reference Id") that is active
 * (610 "Object Not Found : Something you're trying to use has been made inactive", the text of the real fault in
 * fixtures/qbo/batch-response.json). QBO fills in the `name`. Returns the target, or undefined when the field is
 * absent.
 */
export function requireRef(
  company: SimCompany,
  entity: SimEntityName,
  holder: Record<string, unknown>,
  field: string,
  nameField = 'Name',
): SimRecord | undefined {
  const raw = holder[field];
  if (raw === undefined) return undefined;
  const id = refValue(raw);
  const target = id === undefined ? undefined : company.find(entity, id);
  if (id === undefined || !target) throw new SimFault(faults.invalidReference(field, id ?? ''));
  if (target.Active === false) throw new SimFault(faults.objectNotFound());
  const name = target[nameField] ?? target.Name;
  holder[field] = typeof name === 'string' ? { value: id, name } : { value: id };
  return target;
}

export const optionalRef = requireRef;
