import type { TKeyListQueryParsed, TKeySortField, TServiceCode } from "@kms/domain";
import type { KeyVisibility } from "@kms/engine";
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

type CountQuery = SelectQueryBuilder<Database, "keys" | "key_counts", { n: number | string | bigint | null }>;

export interface ListKeysQueries {
  /**
   * The page's queries. One without a search; with a search two, one per prefix range (alias, then
   * ID without the alias matches), each ordered and limited: mergePages combines them.
   */
  pages: Array<SelectQueryBuilder<Database, "keys", KeysTable>>;
  /** Queries whose `n` add up to the total (see totalQueries). */
  counts: CountQuery[];
  sortColumn: SortColumn;
  /** Rows to skip after merging (offset paging of a search); 0 otherwise. */
  skip: number;
}

/**
 * The page and count queries of listKeys. Every filter is a range or equality on an indexed
 * column, and the page continues after the cursor with a row-value comparison on (sort column, id),
 * which the (project_id, destroyed_at, sort column, id) indexes answer without scanning earlier rows.
 *
 * A search is split into its two prefix ranges rather than one OR: with the OR, SQLite (without
 * statistics) walks the index from the cursor to the project's last key, O(keys) for a late page
 * or an empty result; each range on its own is a bounded index range.
 */
export function listKeysQueries(
  db: Kysely<Database>,
  projectId: string,
  query: TKeyListQueryParsed,
  hiddenServices: readonly TServiceCode[],
  visibleTo?: KeyVisibility,
): ListKeysQueries {
  const sortColumn = SORT_COLUMNS[query.sort];
  let filtered = db.selectFrom("keys").where("project_id", "=", projectId).where("destroyed_at", "is", null);
  for (const condition of filters(query, hiddenServices)) filtered = filtered.where(condition);
  if (visibleTo) filtered = filtered.where(visibleKeys(projectId, visibleTo));

  const cursor = query.cursor
    ? decodeCursor(query.cursor, query.sort, NUMERIC_SORTS.has(sortColumn) ? "number" : "string")
    : undefined;
  const direction = query.order;
  if (cursor) filtered = filtered.where((eb) => after(eb, sortColumn, direction, cursor));
  const counts = totalQueries(db, projectId, query, hiddenServices, visibleTo);
  const ordered = (q: typeof filtered, limit: number) =>
    q.selectAll().orderBy(sortColumn, direction).orderBy("id", direction).limit(limit);

  const { search } = query;
  if (!search) {
    let page = ordered(filtered, query.limit + 1);
    if (!cursor && query.offset) page = page.offset(query.offset);
    return { pages: [page], counts, sortColumn, skip: 0 };
  }
  const end = prefixEnd(search);
  const skip = cursor ? 0 : (query.offset ?? 0);
  const byAlias = filtered.where("alias", ">=", search).where("alias", "<", end);
  const byIdOnly = filtered
    .where("id", ">=", search)
    .where("id", "<", end)
    .where((eb) => eb.or([eb("alias", "<", search), eb("alias", ">=", end)]));
  return {
    pages: [ordered(byAlias, skip + query.limit + 1), ordered(byIdOnly, skip + query.limit + 1)],
    counts,
    sortColumn,
    skip,
  };
}

/** Merges the page queries' rows in the listing's order and keeps `limit` + 1 after `skip`. */
export function mergePages(
  results: KeysTable[][],
  sortColumn: SortColumn,
  direction: "asc" | "desc",
  skip: number,
  limit: number,
): KeysTable[] {
  if (results.length === 1) return results[0]!;
  const sign = direction === "asc" ? 1 : -1;
  // Byte-wise, as the indexes order text (SQLite BINARY, PostgreSQL "C"); our text is ASCII.
  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  return results
    .flat()
    .sort((a, b) => sign * (cmp(value(a, sortColumn), value(b, sortColumn)) || cmp(a.id, b.id)))
    .slice(skip, skip + limit + 1);
}

const value = (row: KeysTable, column: SortColumn): string | number =>
  NUMERIC_SORTS.has(column) ? Number(row[column]) : (row[column] as string);

/**
 * The total without counting rows where possible. Without a search it is a sum over the project's
 * key_counts rows (a few hundred at most, kept by triggers). With a search it counts the two prefix
 * ranges, alias and ID, on covering indexes, the ID range leaving out keys the alias range counted,
 * so the cost follows the number of matches, not the number of keys.
 */
function totalQueries(
  db: Kysely<Database>,
  projectId: string,
  query: TKeyListQueryParsed,
  hiddenServices: readonly TServiceCode[],
  visibleTo: KeyVisibility | undefined,
): CountQuery[] {
  const conditions = filters(query, hiddenServices);
  if (visibleTo) conditions.push(visibleKeys(projectId, visibleTo));
  const { search } = query;
  // key_counts knows nothing of grants: a service's few visible keys are counted row by row.
  if (!search && !visibleTo) {
    let q = db.selectFrom("key_counts").where("project_id", "=", projectId);
    for (const condition of conditions) q = q.where(condition as unknown as CountsCondition);
    return [q.select((eb) => eb.fn.sum<number | string | null>("count").as("n"))];
  }
  const base = () => {
    let q = db.selectFrom("keys").where("project_id", "=", projectId).where("destroyed_at", "is", null);
    for (const condition of conditions) q = q.where(condition);
    return q;
  };
  if (!search) return [base().select((eb) => eb.fn.countAll<number>().as("n"))];
  const end = prefixEnd(search);
  const byAlias = base().where("alias", ">=", search).where("alias", "<", end);
  const byIdOnly = base()
    .where("id", ">=", search)
    .where("id", "<", end)
    .where((eb) => eb.or([eb("alias", "<", search), eb("alias", ">=", end)]));
  return [byAlias, byIdOnly].map((q) => q.select((eb) => eb.fn.countAll<number>().as("n")));
}

type Condition = (eb: ExpressionBuilder<Database, "keys">) => Expression<SqlBool>;
/** The filter conditions name only columns that keys and key_counts share. */
type CountsCondition = (eb: ExpressionBuilder<Database, "key_counts">) => Expression<SqlBool>;

/** State, spec, kind and hidden-service filters (not the search). */
function filters(query: TKeyListQueryParsed, hiddenServices: readonly TServiceCode[]): Condition[] {
  const conditions: Condition[] = [];
  const { states, specs } = query;
  if (states?.length) conditions.push((eb) => eb("state", "in", states));
  if (specs?.length) conditions.push((eb) => eb("spec", "in", specs));
  if (query.kind === "default") conditions.push((eb) => eb("is_default", "=", 1));
  if (query.kind === "custom") conditions.push((eb) => eb("is_default", "=", 0));
  if (!query.includeHidden && hiddenServices.length > 0) {
    conditions.push((eb) => eb.or([eb("is_default", "=", 0), eb("service", "not in", [...hiddenServices])]));
  }
  return conditions;
}

/** A service's own default key, or a key it holds a grant on (grants_grantee answers the subquery). */
export function visibleKeys(projectId: string, visibleTo: KeyVisibility): Condition {
  return (eb) =>
    eb.or([
      eb.and([eb("is_default", "=", 1), eb("service", "=", visibleTo.service)]),
      eb(
        "id",
        "in",
        eb
          .selectFrom("grants")
          .select("grants.key_id")
          .where("grants.project_id", "=", projectId)
          .where("grants.grantee_principal", "=", visibleTo.principalId),
      ),
    ]);
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
