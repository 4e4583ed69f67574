/**
 * RFC 4180 CSV. A cell that a spreadsheet would run as a formula (it starts with =, +, @, a tab or a carriage
 * return, or with - not followed by a number) gets a leading apostrophe: the audit trail's detail can quote QBO's
 * messages, and an export must not execute anything when opened.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+@\t\r]/.test(text) || /^-(?![0-9.])/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
