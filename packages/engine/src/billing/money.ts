/**
 * Amounts are plain numbers in the pricing currency. Every line (one key version's hosting, the
 * account's requests) is rounded to 6 decimals; totals add the rounded lines and are rounded to
 * 2 decimals only at the end, so a bill's total is the rounded sum of the lines it shows.
 */
export const round6 = (x: number): number => Math.round((x + Number.EPSILON) * 1e6) / 1e6;
export const round2 = (x: number): number => Math.round((x + Number.EPSILON) * 100) / 100;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** "YYYY-MM" of a date, in UTC. */
export const monthOf = (d: Date): string => d.toISOString().slice(0, 7);

/** The calendar month as [start, end) in UTC, or undefined if `month` is not "YYYY-MM". */
export function monthRange(month: string): { start: Date; end: Date } | undefined {
  const m = MONTH.exec(month);
  if (!m) return undefined;
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { start: new Date(Date.UTC(year, index, 1)), end: new Date(Date.UTC(year, index + 1, 1)) };
}
