import { CompiledQuery } from "kysely";
import type { SqlDialect } from "./schema.js";

/** The rows of one metering flush per table, as value tuples in each table's column order below. */
export interface FlushRows {
  hourly: unknown[][];
  daily: unknown[][];
  monthly: unknown[][];
  keyMonthly: unknown[][];
  principalMonthly: unknown[][];
  domainDaily: unknown[][];
  keyPrincipal: unknown[][];
  /** Rows of [key ID, epoch ms], sorted by key ID: raise keys.last_used_at, never lower it. */
  lastUsed: unknown[][];
}

/** The statements that write one flush, in one transaction. */
export type UsageFlush = (rows: FlushRows) => CompiledQuery[];

type Column = readonly [name: string, type: "text" | "bigint"];
type Table = keyof Omit<FlushRows, "lastUsed">;

interface Rollup {
  table: string;
  columns: readonly Column[];
  conflict: readonly string[];
  /** Further columns the upsert sets besides adding the count. */
  extraSet?: string;
}

const ROLLUPS: Record<Table, Rollup> = {
  hourly: {
    table: "usage_counts",
    columns: [
      ["project_id", "text"],
      ["domain_id", "text"],
      ["key_id", "text"],
      ["principal_id", "text"],
      ["operation", "text"],
      ["hour", "bigint"],
      ["count", "bigint"],
    ],
    conflict: ["project_id", "key_id", "principal_id", "operation", "hour"],
  },
  daily: {
    table: "usage_daily",
    columns: [
      ["project_id", "text"],
      ["key_id", "text"],
      ["operation", "text"],
      ["day", "text"],
      ["count", "bigint"],
    ],
    conflict: ["project_id", "key_id", "operation", "day"],
  },
  monthly: {
    table: "usage_monthly",
    columns: [
      ["domain_id", "text"],
      ["project_id", "text"],
      ["key_id", "text"],
      ["principal_id", "text"],
      ["operation", "text"],
      ["month", "text"],
      ["count", "bigint"],
    ],
    conflict: ["domain_id", "project_id", "key_id", "principal_id", "operation", "month"],
  },
  keyMonthly: {
    table: "usage_key_monthly",
    columns: [
      ["domain_id", "text"],
      ["month", "text"],
      ["project_id", "text"],
      ["key_id", "text"],
      ["count", "bigint"],
    ],
    conflict: ["domain_id", "month", "project_id", "key_id"],
  },
  principalMonthly: {
    table: "usage_principal_monthly",
    columns: [
      ["domain_id", "text"],
      ["month", "text"],
      ["principal_id", "text"],
      ["count", "bigint"],
    ],
    conflict: ["domain_id", "month", "principal_id"],
  },
  domainDaily: {
    table: "usage_domain_daily",
    columns: [
      ["domain_id", "text"],
      ["day", "text"],
      ["count", "bigint"],
    ],
    conflict: ["domain_id", "day"],
  },
  keyPrincipal: {
    table: "usage_key_principal",
    columns: [
      ["project_id", "text"],
      ["key_id", "text"],
      ["principal_id", "text"],
      ["operation", "text"],
      ["count", "bigint"],
      ["last_hour", "bigint"],
    ],
    conflict: ["project_id", "key_id", "principal_id", "operation"],
    extraSet:
      ", last_hour = case when excluded.last_hour > usage_key_principal.last_hour " +
      "then excluded.last_hour else usage_key_principal.last_hour end",
  },
};

const TABLES = Object.keys(ROLLUPS) as Table[];

/**
 * Each table's write as one constant statement whatever the batch holds: the rows travel as a
 * single JSON array, unpacked by json_each (SQLite) or json_array_elements (PostgreSQL), where
 * `rows` is the SQL that names that JSON (a parameter, or a function argument).
 */
function statements(dialect: SqlDialect, rows: (table: Table | "lastUsed") => string) {
  const rowsOf = (table: Table | "lastUsed") =>
    dialect === "postgres"
      ? `json_array_elements(cast(${rows(table)} as json)) as j(value)`
      : // SQLite needs the WHERE to tell an upsert's ON CONFLICT from a join's ON.
        `json_each(${rows(table)}) as j where true`;
  const pick = (columns: readonly Column[]) =>
    columns
      .map(([, type], i) => (type === "text" ? `j.value ->> ${i}` : `cast(j.value ->> ${i} as bigint)`))
      .join(", ");
  /** Adds each row's count to the row with the same primary key. */
  const upsert = (name: Table) => {
    const { table, columns, conflict, extraSet = "" } = ROLLUPS[name];
    return (
      `insert into ${table} (${columns.map(([column]) => column).join(", ")}) ` +
      `select ${pick(columns)} from ${rowsOf(name)} ` +
      `on conflict (${conflict.join(", ")}) do update set count = ${table}.count + excluded.count${extraSet}`
    );
  };
  return {
    upserts: TABLES.map((table) => [table, upsert(table)] as const),
    lastUsed:
      "update keys set last_used_at = v.at from (select j.value ->> 0 as id, " +
      `cast(j.value ->> 1 as bigint) as at from ${rowsOf("lastUsed")}) as v ` +
      "where keys.id = v.id and keys.last_used_at < v.at",
    // PostgreSQL: the batch's key rows locked in key ID order first, so that concurrent batches
    // queue instead of deadlocking (SQLite's write lock is global).
    lockKeys: `select id from keys where id in (select j.value ->> 0 from ${rowsOf("lastUsed")}) order by id for update`,
  };
}

/**
 * PostgreSQL writes a flush with one call of this function, which the store installs when it opens
 * (see postgres.ts): its statements are parsed and planned once per connection instead of on every
 * flush, which cost more than the writes themselves. Its arguments are the JSON rows of each table,
 * in TABLES order, then lastUsed's.
 */
export const RECORD_USAGE_FUNCTION = (() => {
  const argument = (table: Table | "lastUsed") =>
    `${table.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_rows`;
  const parameters = [...TABLES, "lastUsed" as const].map(argument);
  const { upserts, lastUsed, lockKeys } = statements("postgres", argument);
  const body = `\nbegin\n${[
    `perform ${lockKeys.slice("select ".length)}`,
    ...upserts.map(([, text]) => text),
    lastUsed,
  ]
    .map((statement) => `  ${statement};\n`)
    .join("")}end\n`;
  const name = "kms_record_usage";
  return {
    name,
    arity: parameters.length,
    /** The function's identity for DROP FUNCTION: its name and argument types. */
    signature: `${name}(${parameters.map(() => "json").join(", ")})`,
    /** The function's source, as pg_proc.prosrc holds it. */
    body,
    create:
      `create function ${name}(${parameters.map((p) => `${p} json`).join(", ")}) ` +
      `returns void language plpgsql as $function$${body}$function$`,
  };
})();

/**
 * The metering flush's writes for a dialect, built once: constant statements that skip Kysely's
 * build and compile (which cost more than the writes) and that every flush prepares only once.
 */
export function usageFlush(dialect: SqlDialect): UsageFlush {
  if (dialect === "postgres") {
    const { name, arity } = RECORD_USAGE_FUNCTION;
    const call = `select ${name}(${Array.from({ length: arity }, (_, i) => `$${i + 1}`).join(", ")})`;
    return (rows) => [
      CompiledQuery.raw(call, [...TABLES.map((t) => JSON.stringify(rows[t])), JSON.stringify(rows.lastUsed)]),
    ];
  }
  const { upserts, lastUsed } = statements(dialect, () => "?");
  // Only the tables with rows: every flush of the same shape hits the same prepared statements.
  return (rows) => [
    ...upserts.flatMap(([table, text]) =>
      rows[table].length > 0 ? [CompiledQuery.raw(text, [JSON.stringify(rows[table])])] : [],
    ),
    ...(rows.lastUsed.length > 0 ? [CompiledQuery.raw(lastUsed, [JSON.stringify(rows.lastUsed)])] : []),
  ];
}
