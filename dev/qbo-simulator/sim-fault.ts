import type { FaultError } from './fault-bodies';

/** A ValidationFault the simulator answers with: HTTP 400 at the top level, a per-item Fault inside a batch. */
export class SimFault extends Error {
  constructor(
    readonly fault: FaultError,
    readonly status = 400,
  ) {
    super(`${fault.code} ${fault.Message}`);
    this.name = 'SimFault';
  }
}

export type SimRecord = Record<string, unknown> & { Id: string; SyncToken: string };

export function money(value: number): number {
  return Math.round(value * 100) / 100;
}

export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function refValue(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = (value as Record<string, unknown>).value;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function asArray(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(asRecord) : [];
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}
