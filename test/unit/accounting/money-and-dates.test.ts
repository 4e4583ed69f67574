import fc from 'fast-check';
import { localDate, utcDate } from '../../../shared/accounting/dates';
import { currencyExponent, decimalToMinor, minorToDecimal, minorToQboAmount } from '../../../shared/accounting/money';

describe('money at the QBO boundary', () => {
  it.each([
    [12345, 'usd', '123.45'],
    [5, 'USD', '0.05'],
    [-250, 'eur', '-2.50'],
    [0, 'usd', '0.00'],
    [1500, 'jpy', '1500'],
    [1500, 'KRW', '1500'],
    [1234, 'kwd', '1.234'],
    [5, 'BHD', '0.005'],
    [-1001, 'tnd', '-1.001'],
  ])('%d minor units of %s read %s', (minor, currency, decimal) => {
    expect(minorToDecimal(minor, currency)).toBe(decimal);
    expect(decimalToMinor(decimal, currency)).toBe(BigInt(minor));
  });

  it('knows every zero-decimal and three-decimal currency of DESIGN section 6', () => {
    for (const code of 'BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF'.split(' '))
      expect(currencyExponent(code)).toBe(0);
    for (const code of 'BHD JOD KWD OMR TND'.split(' ')) expect(currencyExponent(code)).toBe(3);
    expect(currencyExponent('BRL')).toBe(2);
  });

  it('reads QBO decimals with trailing zeros and refuses sub-unit precision', () => {
    expect(decimalToMinor('81.0', 'USD')).toBe(8100n);
    expect(decimalToMinor('100', 'USD')).toBe(10000n);
    expect(() => decimalToMinor('1.005', 'USD')).toThrow(RangeError);
    expect(() => decimalToMinor('1.5', 'JPY')).toThrow(RangeError);
  });

  it('refuses amounts outside the safe-integer range instead of drifting', () => {
    expect(() => minorToDecimal(2 ** 60, 'USD')).toThrow(RangeError);
    expect(minorToDecimal(2n ** 60n, 'USD')).toBe('11529215046068469.76');
  });

  it('round-trips any safe amount exactly, through text and through the JSON number QBO receives', () => {
    fc.assert(
      fc.property(
        fc.maxSafeInteger().map((n) => Math.trunc(n / 1000)),
        fc.constantFrom('USD', 'JPY', 'KWD', 'EUR', 'CLP', 'BHD'),
        (minor, currency) => {
          const decimal = minorToDecimal(minor, currency);
          expect(decimalToMinor(decimal, currency)).toBe(BigInt(minor));
          expect(decimalToMinor(String(minorToQboAmount(minor, currency)), currency)).toBe(BigInt(minor));
        },
      ),
    );
  });
});

describe('dates for TxnDate', () => {
  it('puts a 03:30 UTC timestamp on the previous day in Los Angeles', () => {
    const t = Date.parse('2025-03-10T03:30:00Z') / 1000;
    expect(localDate(t, 'America/Los_Angeles')).toBe('2025-03-09');
    expect(localDate(t, 'UTC')).toBe('2025-03-10');
    expect(localDate(t, 'Asia/Tokyo')).toBe('2025-03-10');
  });

  it('moves east-of-UTC evenings to the next day', () => {
    expect(localDate(Date.parse('2025-12-31T16:00:00Z') / 1000, 'Asia/Tokyo')).toBe('2026-01-01');
  });

  it('keeps the UTC calendar date of a payout arrival_date, even for a western tenant', () => {
    const arrival = Date.parse('2025-06-01T00:00:00Z') / 1000;
    expect(utcDate(arrival)).toBe('2025-06-01');
    expect(localDate(arrival, 'America/New_York')).toBe('2025-05-31');
  });
});
