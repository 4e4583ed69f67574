import type { SimCompany } from './company';
import { faults, qboMetaTime } from './fault-bodies';
import { SimFault } from './sim-fault';

/** What every report response shares: amounts as two-decimal text, the Header, the period parameters. */
export const text = (value: number): string => value.toFixed(2);
export const blank = (count: number) => Array.from({ length: count }, () => ({ value: '' }));

export interface ReportRequest {
  name: string;
  params: URLSearchParams;
  now: number;
}

export function period(company: SimCompany, params: URLSearchParams): { start: string; end: string } {
  const today = company.today();
  const start = params.get('start_date') ?? `${today.slice(0, 8)}01`;
  const end = params.get('end_date') ?? today;
  for (const date of [start, end])
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new SimFault(faults.invalidQuery(`invalid date ${date}`));
  return { start, end };
}

export function header(
  company: SimCompany,
  name: string,
  request: ReportRequest,
  { start, end }: { start: string; end: string },
  empty: boolean,
) {
  // Without dates QBO reports this month to date and says so (qbo_api reports/gl.yml).
  const macro =
    request.params.has('start_date') || request.params.has('end_date') ? {} : { DateMacro: 'this month-to-date' };
  return {
    Time: qboMetaTime(request.now),
    ReportName: name,
    ...macro,
    ReportBasis: 'Accrual',
    StartPeriod: start,
    EndPeriod: end,
    Currency: company.settings.homeCurrency,
    Option: [{ Name: 'NoReportData', Value: String(empty) }],
  };
}
