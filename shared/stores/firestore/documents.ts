/** Document ids may not contain '/' (a path separator); plan keys such as `cn_…/apply` do, so every part is encoded. */
export function safeId(value: string): string {
  return encodeURIComponent(value).replace(/\./g, '%2E');
}

/** Firestore rejects `undefined` fields; optional fields are simply absent. */
export function withoutUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
