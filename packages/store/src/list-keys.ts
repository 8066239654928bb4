import type { TKeyListQueryParsed, TKeySortField, TServiceCode } from "@kms/domain";
import type { Expression, ExpressionBuilder, Kysely, SelectQueryBuilder, SqlBool } from "kysely";
import { type CursorPosition, decodeCursor, prefixEnd } from "./cursor.js";
import type { Database, KeysTable } from "./schema.js";

type SortColumn = "created_at" | "alias" | "state" | "spec" | "last_used_at";

const SORT_COLUMNS: Record<TKeySortField, SortColumn> = {
  createdAt: "created_at",
  alias: "alias",
  state: "state",
  spec: "spec",
  lastUsedAt: "last_used_at",
};

const NUMERIC_SORTS: ReadonlySet<SortColumn> = new Set(["created_at", "last_used_at"]);

export interface ListKeysQueries {
  page: SelectQueryBuilder<Database, "keys", KeysTable>;
  count: SelectQueryBuilder<Database, "keys", { n: number | string | bigint }>;
  sortColumn: SortColumn;
}

/**
 * The page and count queries of listKeys. Every filter is a range or equality on an indexed
 * column, and the page continues after the cursor with a row-value comparison on (sort column, id),
 * which the (project_id, destroyed_at, sort column, id) indexes answer without scanning earlier rows.
 */
export function listKeysQueries(
  db: Kysely<Database>,
  projectId: string,
  query: TKeyListQueryParsed,
  hiddenServices: readonly TServiceCode[],
): ListKeysQueries {
  const sortColumn = SORT_COLUMNS[query.sort];
  let filtered = db.selectFrom("keys").where("project_id", "=", projectId).where("destroyed_at", "is", null);
  for (const condition of filters(query, hiddenServices)) filtered = filtered.where(condition);

  const count = filtered.select((eb) => eb.fn.countAll().as("n"));

  const cursor = query.cursor
    ? decodeCursor(query.cursor, query.sort, NUMERIC_SORTS.has(sortColumn) ? "number" : "string")
    : undefined;
  const direction = query.order;
  let page = filtered
    .selectAll()
    .orderBy(sortColumn, direction)
    .orderBy("id", direction)
    .limit(query.limit + 1);
  if (cursor) page = page.where((eb) => after(eb, sortColumn, direction, cursor));
  else if (query.offset) page = page.offset(query.offset);
  return { page, count, sortColumn };
}

type Condition = (eb: ExpressionBuilder<Database, "keys">) => Expression<SqlBool>;

function filters(query: TKeyListQueryParsed, hiddenServices: readonly TServiceCode[]): Condition[] {
  const conditions: Condition[] = [];
  const { search, states, specs } = query;
  if (search) {
    const end = prefixEnd(search);
    // Ranges rather than LIKE: SQLite's LIKE is case-insensitive and cannot use these indexes.
    conditions.push((eb) =>
      eb.or([
        eb.and([eb("alias", ">=", search), eb("alias", "<", end)]),
        eb.and([eb("id", ">=", search), eb("id", "<", end)]),
      ]),
    );
  }
  if (states?.length) conditions.push((eb) => eb("state", "in", states));
  if (specs?.length) conditions.push((eb) => eb("spec", "in", specs));
  if (query.kind === "default") conditions.push((eb) => eb("is_default", "=", 1));
  if (query.kind === "custom") conditions.push((eb) => eb("is_default", "=", 0));
  if (!query.includeHidden && hiddenServices.length > 0) {
    conditions.push((eb) => eb.or([eb("is_default", "=", 0), eb("service", "not in", [...hiddenServices])]));
  }
  return conditions;
}

function after(
  eb: ExpressionBuilder<Database, "keys">,
  sortColumn: SortColumn,
  direction: "asc" | "desc",
  cursor: CursorPosition,
) {
  return eb(
    eb.refTuple(sortColumn, "id"),
    direction === "asc" ? ">" : "<",
    eb.tuple(cursor.value as never, cursor.id),
  );
}
