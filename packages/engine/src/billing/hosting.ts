import type { TPricing } from "@kms/domain";
import { round6 } from "./money.js";

const HOUR_S = 3600;

/** A custom key version as hosting sees it: billed from creation until billing stopped (null: still billed). */
export interface BilledSpan {
  createdAt: Date;
  billedUntil: Date | null;
}

/** Whole seconds since the epoch: billing is by the second, and a started second is not billed. */
const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);

/**
 * Seconds of [createdAt, billedUntil) inside the window [from, to). A key pending deletion or
 * destroyed stops at the time its deletion was scheduled; a cancelled deletion clears that time,
 * so the version bills again without a gap from when the deletion was scheduled.
 */
export function billedSeconds(span: BilledSpan, from: Date, to: Date): number {
  const start = Math.max(seconds(span.createdAt), seconds(from));
  const end = Math.min(span.billedUntil ? seconds(span.billedUntil) : Number.POSITIVE_INFINITY, seconds(to));
  return Math.max(0, end - start);
}

/**
 * The hourly billing periods a span touches, with the seconds billed in each (Huawei: "a key
 * created at 09:59:30 and deleted at 10:45:46 is billed 30 s in the 09:00–10:00 period and 2746 s
 * in the 10:00–11:00 period").
 */
export function hourlyPeriods(start: Date, end: Date): Array<{ hour: Date; seconds: number }> {
  const out: Array<{ hour: Date; seconds: number }> = [];
  const s = seconds(start);
  const e = seconds(end);
  for (let hour = Math.floor(s / HOUR_S) * HOUR_S; hour < e; hour += HOUR_S) {
    const billed = Math.min(e, hour + HOUR_S) - Math.max(s, hour);
    if (billed > 0) out.push({ hour: new Date(hour * 1000), seconds: billed });
  }
  return out;
}

/** Hosting charge for `billed` seconds of one key version, prorated by the second. */
export const hostingAmount = (billed: number, pricing: TPricing): number =>
  round6((billed / HOUR_S) * pricing.keyVersionHourly);
