import type { LocalStack } from '../../dev/local-stack/stack';

type Json = Record<string, unknown>;

/**
 * An account's balance as the QBO simulator's GeneralLedger report gives it (DESIGN section 9: the simulator posts
 * every transaction to its accounts): the "Total for <account>" of every posting from 2000 to 2100, in home
 * currency, debit-positive for assets. Read over HTTP as a reconciliation would read QBO.
 */
export async function accountBalance(stack: LocalStack, accountId: string): Promise<number> {
  const realmId = stack.tenants[0]!.realmId;
  const token = stack.simulator!.issueTokens(realmId).access_token;
  const url = `${stack.qboBaseUrl}/v3/company/${realmId}/reports/GeneralLedger?start_date=2000-01-01&end_date=2100-12-31&account=${accountId}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  if (response.status !== 200) throw new Error(`GeneralLedger answered ${response.status}`);
  const report = (await response.json()) as { Rows?: { Row?: Json[] } };
  const section = (report.Rows?.Row ?? []).find(
    (row) => ((row.Header as { ColData?: Json[] } | undefined)?.ColData?.[0]?.id as string | undefined) === accountId,
  );
  if (section === undefined) return 0;
  const summary = ((section.Summary as { ColData?: Json[] }).ColData ?? []).map((cell) => String(cell.value ?? ''));
  const total = summary.find((value, index) => index > 0 && value !== '');
  return Math.round(Number(total ?? 0) * 100);
}
