import { CompiledQuery } from "kysely";
import type { SqlDialect } from "./schema.js";

/**
 * The metering flush's writes, one constant statement per table whatever the batch holds: the rows
 * travel as a single JSON array parameter, unpacked by json_each (SQLite) or json_array_elements
 * (PostgreSQL). Every flush hits the same prepared statements and skips Kysely's build and compile,
 * which cost more than the writes themselves.
 */
export interface UsageWrites {
  hourly(rows: unknown[][]): CompiledQuery;
  daily(rows: unknown[][]): CompiledQuery;
  monthly(rows: unknown[][]): CompiledQuery;
  keyMonthly(rows: unknown[][]): CompiledQuery;
  principalMonthly(rows: unknown[][]): CompiledQuery;
  domainDaily(rows: unknown[][]): CompiledQuery;
  keyPrincipal(rows: unknown[][]): CompiledQuery;
  /** Rows of [key ID, epoch ms]: raises keys.last_used_at, never lowers it. */
  lastUsed(rows: unknown[][]): CompiledQuery;
  /**
   * PostgreSQL: locks the key rows of lastUsed's rows (sorted by key ID) in key ID order, so that
   * concurrent batches queue instead of deadlocking. Undefined for SQLite, whose write lock is global.
   */
  lockKeys?(rows: unknown[][]): CompiledQuery;
}

type Column = readonly [name: string, type: "text" | "bigint"];

export function usageWrites(dialect: SqlDialect): UsageWrites {
  const rowsOf =
    dialect === "postgres"
      ? "json_array_elements(cast($1 as json)) as j(value)"
      : // SQLite needs the WHERE to tell an upsert's ON CONFLICT from a join's ON.
        "json_each(?) as j where true";
  const pick = (columns: readonly Column[]) =>
    columns
      .map(([, type], i) => (type === "text" ? `j.value ->> ${i}` : `cast(j.value ->> ${i} as bigint)`))
      .join(", ");

  /** Adds each row's count to the row with the same primary key (`extraSet` for further columns). */
  const upsert = (table: string, columns: readonly Column[], conflict: readonly string[], extraSet = "") => {
    const text =
      `insert into ${table} (${columns.map(([name]) => name).join(", ")}) ` +
      `select ${pick(columns)} from ${rowsOf} ` +
      `on conflict (${conflict.join(", ")}) do update set count = ${table}.count + excluded.count${extraSet}`;
    return (rows: unknown[][]) => CompiledQuery.raw(text, [JSON.stringify(rows)]);
  };

  const lastUsedText =
    `update keys set last_used_at = v.at from (select j.value ->> 0 as id, ` +
    `cast(j.value ->> 1 as bigint) as at from ${rowsOf}) as v ` +
    "where keys.id = v.id and keys.last_used_at < v.at";

  return {
    hourly: upsert(
      "usage_counts",
      [
        ["project_id", "text"],
        ["domain_id", "text"],
        ["key_id", "text"],
        ["principal_id", "text"],
        ["operation", "text"],
        ["hour", "bigint"],
        ["count", "bigint"],
      ],
      ["project_id", "key_id", "principal_id", "operation", "hour"],
    ),
    daily: upsert(
      "usage_daily",
      [
        ["project_id", "text"],
        ["key_id", "text"],
        ["operation", "text"],
        ["day", "text"],
        ["count", "bigint"],
      ],
      ["project_id", "key_id", "operation", "day"],
    ),
    monthly: upsert(
      "usage_monthly",
      [
        ["domain_id", "text"],
        ["project_id", "text"],
        ["key_id", "text"],
        ["principal_id", "text"],
        ["operation", "text"],
        ["month", "text"],
        ["count", "bigint"],
      ],
      ["domain_id", "project_id", "key_id", "principal_id", "operation", "month"],
    ),
    keyMonthly: upsert(
      "usage_key_monthly",
      [
        ["domain_id", "text"],
        ["month", "text"],
        ["project_id", "text"],
        ["key_id", "text"],
        ["count", "bigint"],
      ],
      ["domain_id", "month", "project_id", "key_id"],
    ),
    principalMonthly: upsert(
      "usage_principal_monthly",
      [
        ["domain_id", "text"],
        ["month", "text"],
        ["principal_id", "text"],
        ["count", "bigint"],
      ],
      ["domain_id", "month", "principal_id"],
    ),
    domainDaily: upsert(
      "usage_domain_daily",
      [
        ["domain_id", "text"],
        ["day", "text"],
        ["count", "bigint"],
      ],
      ["domain_id", "day"],
    ),
    keyPrincipal: upsert(
      "usage_key_principal",
      [
        ["project_id", "text"],
        ["key_id", "text"],
        ["principal_id", "text"],
        ["operation", "text"],
        ["count", "bigint"],
        ["last_hour", "bigint"],
      ],
      ["project_id", "key_id", "principal_id", "operation"],
      ", last_hour = case when excluded.last_hour > usage_key_principal.last_hour " +
        "then excluded.last_hour else usage_key_principal.last_hour end",
    ),
    lastUsed: (rows) => CompiledQuery.raw(lastUsedText, [JSON.stringify(rows)]),
    lockKeys:
      dialect === "postgres"
        ? (rows) =>
            CompiledQuery.raw(
              `select id from keys where id in (select j.value ->> 0 from ${rowsOf}) order by id for update`,
              [JSON.stringify(rows)],
            )
        : undefined,
  };
}
