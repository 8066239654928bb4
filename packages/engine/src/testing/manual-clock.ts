import type { Clock } from "../ports.js";

export interface ManualClock extends Clock {
  set(date: Date): void;
  advance(ms: number): void;
  advanceDays(days: number): void;
}

/** A clock that moves only when told to, for sweeps, rotation and metering hours in tests. */
export function createManualClock(start: Date = new Date("2025-01-01T00:00:00Z")): ManualClock {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    set: (date) => {
      now = date.getTime();
    },
    advance: (ms) => {
      now += ms;
    },
    advanceDays: (days) => {
      now += days * 86_400_000;
    },
  };
}
