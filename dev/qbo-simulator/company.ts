import { SIM_DELETABLE, SIM_ENTITIES, SIM_VOIDABLE } from './entities';
import type { SimEntityName } from './entities';
import { DEFAULT_SETTINGS, settingsEntities } from './company-modes';
import type { CompanySettings } from './company-modes';
import { NAME_FIELD, NAME_LISTS, READ_ONLY_ENTITIES } from './entities';
import { faults, qboDate, qboMetaTime } from './fault-bodies';
import type { HttpReply } from './fault-bodies';
import { moveAccountBalances } from './account-balances';
import { applyEffects, assertRemovable, undoEffects, voidedCopy } from './effects';
import { prepareEntity } from './rules';
import { assertKnownProperties } from './schema/properties';
import { SimFault, clone } from './sim-fault';
import type { SimRecord } from './sim-fault';

export type { CompanySettings } from './company-modes';

export interface SeedCompany {
  settings?: Partial<CompanySettings>;
  entities?: Partial<Record<SimEntityName, Array<Record<string, unknown>>>>;
}

/**
 * One QBO company (realm): its objects, id and DocNumber counters, and the responses remembered per requestid.
 * All rule checks live in rules.ts; this class owns identity (Id, SyncToken, MetaData) and lifecycle.
 */
export class SimCompany {
  readonly settings: CompanySettings;
  private readonly store = new Map<SimEntityName, Map<string, SimRecord>>();
  private readonly deleted = new Set<string>();
  private readonly replies = new Map<string, HttpReply>();
  private nextId = 1;
  private nextDocNumber = 1001;

  constructor(
    readonly realmId: string,
    seed: SeedCompany,
    private readonly now: () => number,
  ) {
    this.settings = { ...DEFAULT_SETTINGS, ...seed.settings };
    for (const name of SIM_ENTITIES) this.store.set(name, new Map());
    const entities = { ...settingsEntities(realmId, this.settings), ...seed.entities };
    for (const [name, rows] of Object.entries(entities) as Array<[SimEntityName, Array<Record<string, unknown>>]>) {
      for (const row of rows) this.insertSeed(name, row);
    }
  }

  private insertSeed(entity: SimEntityName, row: Record<string, unknown>): void {
    const id = row.Id;
    if (typeof id !== 'string' || !/^\d+$/.test(id)) throw new Error(`seeded ${entity} needs a numeric string Id`);
    const stamp = qboMetaTime(this.now());
    const record: SimRecord = {
      domain: 'QBO',
      sparse: false,
      MetaData: { CreateTime: stamp, LastUpdatedTime: stamp },
      ...clone(row),
      Id: id,
      SyncToken: typeof row.SyncToken === 'string' ? row.SyncToken : '0',
    };
    this.table(entity).set(id, record);
    this.nextId = Math.max(this.nextId, Number(id) + 1);
  }

  private table(entity: SimEntityName): Map<string, SimRecord> {
    const table = this.store.get(entity);
    if (!table) throw new Error(`no table for ${entity}`);
    return table;
  }

  list(entity: SimEntityName): SimRecord[] {
    return [...this.table(entity).values()];
  }

  find(entity: SimEntityName, id: string): SimRecord | undefined {
    return this.table(entity).get(id);
  }

  read(entity: SimEntityName, id: string): SimRecord {
    if (!/^\d+$/.test(id)) throw new SimFault(faults.invalidId(id));
    const found = this.find(entity, id);
    if (!found) throw new SimFault(faults.objectNotFound());
    return found;
  }

  today(): string {
    return qboDate(this.now());
  }

  allocateDocNumber(): string {
    return String(this.nextDocNumber++);
  }

  create(entity: SimEntityName, body: Record<string, unknown>): SimRecord {
    this.assertWritable(entity, body);
    if (body.Id !== undefined) throw new SimFault(faults.unsupportedProperty('Id'));
    const prepared = prepareEntity(this, entity, clone(body), undefined);
    const stamp = qboMetaTime(this.now());
    const record = {
      ...prepared,
      domain: 'QBO',
      sparse: false,
      Id: String(this.nextId++),
      SyncToken: '0',
      MetaData: { CreateTime: stamp, LastUpdatedTime: stamp },
    } as SimRecord;
    applyEffects(this, entity, record);
    this.table(entity).set(record.Id, record);
    moveAccountBalances(this, entity, record, 1);
    return record;
  }

  /** Full update replaces every writable field; sparse update (`"sparse": true`) only the ones sent. */
  update(entity: SimEntityName, body: Record<string, unknown>): SimRecord {
    this.assertWritable(entity, body);
    const existing = this.checkedExisting(entity, body);
    const sparse = body.sparse === true;
    const draft = sparse ? { ...clone(existing), ...clone(body) } : clone(body);
    renameOnDeactivation(this, entity, draft, existing);
    const prepared = prepareEntity(this, entity, draft, existing);
    undoEffects(this, entity, existing);
    try {
      applyEffects(this, entity, { ...prepared, Id: existing.Id, SyncToken: existing.SyncToken } as SimRecord);
    } catch (error) {
      applyEffects(this, entity, existing);
      throw error;
    }
    const record = {
      ...prepared,
      domain: 'QBO',
      sparse: false,
      Id: existing.Id,
      SyncToken: String(Number(existing.SyncToken) + 1),
      MetaData: { CreateTime: createTime(existing), LastUpdatedTime: qboMetaTime(this.now()) },
    } as SimRecord;
    // An account's balance is QBO's to compute, whatever an update sends.
    if (entity === 'Account') {
      record.CurrentBalance = existing.CurrentBalance ?? 0;
      record.CurrentBalanceWithSubAccounts = existing.CurrentBalanceWithSubAccounts ?? 0;
    }
    moveAccountBalances(this, entity, existing, -1);
    this.table(entity).set(record.Id, record);
    moveAccountBalances(this, entity, record, 1);
    return record;
  }

  void(entity: SimEntityName, body: Record<string, unknown>): SimRecord {
    if (!SIM_VOIDABLE.has(entity)) throw new SimFault(faults.unsupportedOperation('Void'));
    assertKnownProperties(entity, body);
    const existing = this.checkedExisting(entity, body);
    assertRemovable(entity, existing);
    undoEffects(this, entity, existing);
    const record = voidedCopy(entity, existing);
    record.SyncToken = String(Number(existing.SyncToken) + 1);
    record.MetaData = { CreateTime: createTime(existing), LastUpdatedTime: qboMetaTime(this.now()) };
    moveAccountBalances(this, entity, existing, -1);
    this.table(entity).set(record.Id, record);
    moveAccountBalances(this, entity, record, 1);
    return record;
  }

  delete(entity: SimEntityName, body: Record<string, unknown>): Record<string, unknown> {
    if (!SIM_DELETABLE.has(entity)) throw new SimFault(faults.unsupportedOperation('Delete'));
    assertKnownProperties(entity, body);
    const existing = this.checkedExisting(entity, body);
    assertRemovable(entity, existing);
    undoEffects(this, entity, existing);
    moveAccountBalances(this, entity, existing, -1);
    this.table(entity).delete(existing.Id);
    this.deleted.add(`${entity}:${existing.Id}`);
    return { domain: 'QBO', status: 'Deleted', Id: existing.Id };
  }

  /** Bumps SyncToken and LastUpdatedTime on an object a linked transaction changed (a payment on an invoice). */
  touch(record: SimRecord): void {
    record.SyncToken = String(Number(record.SyncToken) + 1);
    record.MetaData = { CreateTime: createTime(record), LastUpdatedTime: qboMetaTime(this.now()) };
  }

  replayFor(requestId: string): HttpReply | undefined {
    return this.replies.get(requestId);
  }

  remember(requestId: string, reply: HttpReply): void {
    if (!this.replies.has(requestId)) this.replies.set(requestId, reply);
  }

  /** Unknown properties → 2010 (schema/properties.ts); the tax and company settings are not writable here. */
  private assertWritable(entity: SimEntityName, body: Record<string, unknown>): void {
    if (READ_ONLY_ENTITIES.has(entity) || entity === 'Preferences')
      throw new SimFault(faults.unsupportedOperation(`Create/Update on ${entity}`));
    assertKnownProperties(entity, body);
  }

  private checkedExisting(entity: SimEntityName, body: Record<string, unknown>): SimRecord {
    const id = body.Id;
    if (typeof id !== 'string' && typeof id !== 'number') throw new SimFault(faults.requiredParam('Id'));
    const existing = this.find(entity, String(id));
    if (!existing) throw new SimFault(faults.objectNotFound());
    if (body.SyncToken === undefined) throw new SimFault(faults.requiredParam('SyncToken'));
    if (String(body.SyncToken) !== existing.SyncToken) throw new SimFault(faults.staleObject());
    return existing;
  }
}

/** " (deleted)", or " (deleted-1)", " (deleted-2)" … when a deactivated namesake already holds it. */
const DELETED_SUFFIX = / \(deleted(?:-\d+)?\)$/;

/**
 * Making a name-list object inactive renames it "<name> (deleted)", which frees the name for a new object
 * (qbo_api spec/vcr/deactivate/account.yml: Account 5 reads back as "Fees Billed (deleted)", Active false).
 * A second object of that name made inactive later cannot take the same name (names stay unique, 6240), so it gets
 * "(deleted-1)" and so on (the numbering is ours; the recording shows only the first). Reactivating takes the
 * suffix off again.
 */
function renameOnDeactivation(
  company: SimCompany,
  entity: SimEntityName,
  draft: Record<string, unknown>,
  existing: SimRecord,
): void {
  const field = NAME_FIELD[entity];
  if (!NAME_LISTS.has(entity) || field === undefined) return;
  const name = typeof draft[field] === 'string' ? (draft[field] as string) : String(existing[field] ?? '');
  if (draft.Active === false && existing.Active !== false && !DELETED_SUFFIX.test(name)) {
    const taken = new Set(company.list(entity).map((row) => String(row[field] ?? '').toLowerCase()));
    let candidate = `${name} (deleted)`;
    for (let n = 1; taken.has(candidate.toLowerCase()); n += 1) candidate = `${name} (deleted-${n})`;
    draft[field] = candidate;
  } else if (draft.Active !== false && existing.Active === false && DELETED_SUFFIX.test(name)) {
    draft[field] = name.replace(DELETED_SUFFIX, '');
  }
}

function createTime(record: Record<string, unknown>): string {
  const meta = record.MetaData as { CreateTime?: string } | undefined;
  return meta?.CreateTime ?? '';
}
