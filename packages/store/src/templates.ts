import type { CompiledQuery } from "kysely";

const SLOT = "\u0000slot:";

/** A placeholder value for a query compiled once and run many times with `bind`. */
export const slot = (name: string): string => `${SLOT}${name}`;

/**
 * Compiles a query once and returns a binder that swaps the named slots for the call's values,
 * so the hot paths skip Kysely's per-call build and compile (and hit the same prepared statement).
 */
export function bindable<A extends Record<string, unknown>>(
  compiled: CompiledQuery,
): (args: A) => CompiledQuery {
  const names = compiled.parameters.map((p) =>
    typeof p === "string" && p.startsWith(SLOT) ? p.slice(SLOT.length) : undefined,
  );
  return (args) => ({
    ...compiled,
    parameters: compiled.parameters.map((p, i) => {
      const name = names[i];
      return name === undefined ? p : args[name];
    }),
  });
}
