import {
  SYMMETRIC_SPECS,
  type TAuditEvent,
  type TKey,
  type TOperation,
  type TRole,
  type TServiceCode,
  type TTag,
  type TUsageCount,
} from "@kms/domain";
import type {
  AuditFeedStore,
  CredentialRecord,
  InsertGrantResult,
  InsertKeyResult,
  KeyVersionRecord,
  KmsStore,
  SessionStore,
  TagFilter,
  UpdateTagsResult,
  UsageReportStore,
} from "@kms/engine";
import {
  type CompiledQuery,
  type Kysely,
  Migrator,
  type Selectable,
  type SelectQueryBuilder,
  sql,
  type Transaction,
} from "kysely";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { listKeysQueries, mergePages, visibleKeys } from "./list-keys.js";
import { migrationProvider } from "./migrations.js";
import {
  arrayToKey,
  auditToRow,
  grantToRow,
  KEY_COLUMNS,
  keyToRow,
  patchToRow,
  principalToRow,
  projectToRow,
  rowToAudit,
  rowToGrant,
  rowToKey,
  rowToPrincipalIdentity,
  rowToPrincipalRecord,
  rowToProject,
  rowToVersion,
  versionToRow,
} from "./rows.js";
import type { Database, KeysTable, SqlDialect } from "./schema.js";
import { bindable, slot } from "./templates.js";
import type { UsageFolder } from "./usage-journal.js";
import { usageFlush } from "./usage-writes.js";

/** The PostgreSQL advisory lock that orders audit sequence numbers (any constant, unique to this use). */
const AUDIT_SEQ_LOCK = 0x6b6d_7361;

/** Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_PARAMETERS = 30_000;

const num = (v: unknown): number => Number(v ?? 0);

/** Whether the error is a unique violation of the live-alias index, in either dialect. */
function isAliasTaken(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown };
  if (e.code === "23505") return e.constraint === "keys_live_alias";
  return e.code === "SQLITE_CONSTRAINT_UNIQUE" && String(e.message).includes("keys.alias");
}

function chunk<T>(items: readonly T[], columnsPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / columnsPerRow));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A key row (KEY_COLUMNS) followed by its version's created_at, version, wrapped material, public key. */
function arrayToKeyWithVersion(a: readonly unknown[]): { key: TKey; version: KeyVersionRecord } {
  const n = KEY_COLUMNS.length;
  const key = arrayToKey(a);
  return {
    key,
    version: {
      keyId: key.id,
      version: Number(a[n]),
      createdAt: new Date(Number(a[n + 1])),
      wrappedMaterial: a[n + 2] as Buffer,
      publicKey: (a[n + 3] ?? null) as Buffer | null,
    },
  };
}

/**
 * Runs compiled read-only queries outside Kysely's executor. SQLite passes one over a second,
 * read-only connection: it sees only committed data, needs no turn on the writer connection, and
 * answers synchronously, which is what keeps the per-request reads to a few microseconds.
 */
export interface DirectReader {
  /** Every row, as objects. */
  all(query: CompiledQuery): unknown[];
  /** The first row as its column values in select order; undefined when there is none. */
  firstRaw(query: CompiledQuery): unknown[] | undefined;
}

/**
 * Runs compiled write statements as one transaction outside Kysely's executor, resolving once it is
 * durable. SQLite passes one that runs them synchronously on the writer connection: the metering
 * flush is a handful of constant statements, and Kysely's per-statement promises cost more than they do.
 * PostgreSQL passes one that sends its one statement (a function call) as a named prepared statement.
 */
export type DirectWriter = (statements: readonly CompiledQuery[]) => Promise<void>;

/** What the SQL store implements: the engine's store and the report, session and feed ports. */
export type FullStore = KmsStore & UsageReportStore & SessionStore & AuditFeedStore;

/** One store over a Kysely instance; the few dialect differences are decided by `dialect`. */
export function createKyselyStore(
  db: Kysely<Database>,
  dialect: SqlDialect,
  direct: { read?: DirectReader; write?: DirectWriter } = {},
): FullStore & UsageFolder {
  const directRead = direct.read;
  const isPg = dialect === "postgres";
  const read = async <R>(query: CompiledQuery): Promise<R[]> =>
    directRead ? (directRead.all(query) as R[]) : (await db.executeQuery<R>(query)).rows;
  /** The first row's values in select order (the SQL store's rows keep their columns in that order). */
  const readFirstRaw = (query: CompiledQuery): Promise<unknown[] | undefined> | unknown[] | undefined =>
    directRead
      ? directRead.firstRaw(query)
      : db
          .executeQuery<Record<string, unknown>>(query)
          .then((r) => (r.rows[0] ? Object.values(r.rows[0]) : undefined));

  /** Row lock for read-check-write transactions; SQLite's BEGIN IMMEDIATE already serialises writers. */
  const forUpdate = <O>(q: SelectQueryBuilder<Database, keyof Database, O>) => (isPg ? q.forUpdate() : q);
  const flushWrites = usageFlush(dialect);
  /** How far a metering journal is folded into the usage tables (see usage-journal.ts). */
  const foldPoint = async (q: Kysely<Database>, journalId: string) => {
    const row = await q
      .selectFrom("usage_journal_folds")
      .select("folded_seq")
      .where("journal_id", "=", journalId)
      .executeTakeFirst();
    return num(row?.folded_seq);
  };

  // The hot paths, compiled once.
  const credentialQuery = bindable<{ accessKey: string }>(
    db
      .selectFrom("credentials as c")
      .innerJoin("principals as p", "p.id", "c.principal_id")
      // A user's role in the credential's project; none (and no row) for a service principal.
      .leftJoin("project_roles as r", (join) =>
        join.onRef("r.project_id", "=", "c.project_id").onRef("r.principal_id", "=", "c.principal_id"),
      )
      .select([
        "c.access_key",
        "c.wrapped_secret_key",
        "c.project_id",
        "c.principal_id",
        "c.created_at",
        "p.kind",
        "p.name",
        "r.role",
        "p.service",
        "p.domain_id",
      ])
      .where("c.access_key", "=", slot("accessKey"))
      .compile(),
  );
  const keyWithVersion = (byCurrent: boolean) =>
    db
      .selectFrom("keys as k")
      .innerJoin("key_versions as v", (join) =>
        join
          .onRef("v.key_id", "=", "k.id")
          .on((eb) =>
            byCurrent
              ? eb("v.version", "=", eb.ref("k.current_version"))
              : eb("v.version", "=", slot("version") as never),
          ),
      )
      // Explicit columns in a fixed order: the hot read maps the raw row by position.
      .select(KEY_COLUMNS.map((c) => `k.${c}` as const))
      .select(["v.version", "v.created_at as v_created_at", "v.wrapped_material", "v.public_key"])
      .where("k.id", "=", slot("keyId"))
      .where("k.project_id", "=", slot("projectId"))
      .where("k.destroyed_at", "is", null)
      .compile();
  const currentVersionQuery = bindable<{ keyId: string; projectId: string }>(keyWithVersion(true));
  const givenVersionQuery = bindable<{ keyId: string; projectId: string; version: number }>(
    keyWithVersion(false),
  );
  const keyQuery = bindable<{ keyId: string; projectId: string }>(
    db
      .selectFrom("keys")
      .selectAll()
      .where("id", "=", slot("keyId"))
      .where("project_id", "=", slot("projectId"))
      .where("destroyed_at", "is", null)
      .compile(),
  );
  const defaultKeyQuery = bindable<{ projectId: string; service: string }>(
    db
      .selectFrom("keys")
      .selectAll()
      .where("project_id", "=", slot("projectId"))
      .where("service", "=", slot("service"))
      // a literal, so SQLite can match the partial unique index
      .where("is_default", "=", sql.lit(1))
      .where("destroyed_at", "is", null)
      .compile(),
  );
  const grantOperationsQuery = bindable<{ keyId: string; principalId: string }>(
    db
      .selectFrom("grants")
      .select("operations")
      .where("key_id", "=", slot("keyId"))
      .where("grantee_principal", "=", slot("principalId"))
      .compile(),
  );

  const getKey = async (projectId: string, keyId: string): Promise<TKey | undefined> => {
    const rows = await read<Selectable<KeysTable>>(keyQuery({ keyId, projectId }));
    return rows[0] ? rowToKey(rows[0]) : undefined;
  };

  const getDefaultKey = async (projectId: string, service: TServiceCode): Promise<TKey | undefined> => {
    const rows = await read<Selectable<KeysTable>>(defaultKeyQuery({ projectId, service }));
    return rows[0] ? rowToKey(rows[0]) : undefined;
  };

  const liveKeyExists = async (trx: Transaction<Database>, keyId: string): Promise<boolean> => {
    const row = await forUpdate(
      trx.selectFrom("keys").select("id").where("id", "=", keyId).where("destroyed_at", "is", null),
    ).executeTakeFirst();
    return row !== undefined;
  };

  /** Live custom keys from the trigger-kept counters: a few rows, whatever the number of keys. */
  const customKeyCount = async (q: Kysely<Database>, projectId: string): Promise<number> => {
    const row = await q
      .selectFrom("key_counts")
      .select((eb) => eb.fn.sum<number | string | null>("count").as("n"))
      .where("project_id", "=", projectId)
      .where("is_default", "=", 0)
      .executeTakeFirst();
    return num(row?.n);
  };

  const tagsOf = async (keyIds: string[]): Promise<Map<string, TTag[]>> => {
    const byKey = new Map<string, TTag[]>();
    if (keyIds.length === 0) return byKey;
    const rows = await db
      .selectFrom("key_tags")
      .select(["key_id", "tag_key", "tag_value"])
      .where("key_id", "in", keyIds)
      .orderBy("tag_key")
      .execute();
    for (const r of rows) {
      const tags = byKey.get(r.key_id) ?? [];
      tags.push({ key: r.tag_key, value: r.tag_value });
      byKey.set(r.key_id, tags);
    }
    return byKey;
  };

  return {
    async migrate() {
      const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
    },

    async close() {
      await db.destroy();
    },

    // projects, principals, credentials

    async insertProject(project) {
      await db.insertInto("projects").values(projectToRow(project)).execute();
    },

    async getProject(projectId) {
      const row = await db.selectFrom("projects").selectAll().where("id", "=", projectId).executeTakeFirst();
      return row ? rowToProject(row) : undefined;
    },

    async listProjects() {
      const rows = await db.selectFrom("projects").selectAll().orderBy("created_at").orderBy("id").execute();
      return rows.map(rowToProject);
    },

    async insertPrincipal(record) {
      await db.insertInto("principals").values(principalToRow(record)).execute();
    },

    async getPrincipal(principalId) {
      const row = await db
        .selectFrom("principals")
        .selectAll()
        .where("id", "=", principalId)
        .executeTakeFirst();
      return row ? rowToPrincipalRecord(row) : undefined;
    },

    async getUserByName(domainId, name) {
      const row = await db
        .selectFrom("principals")
        .selectAll()
        .where("domain_id", "=", domainId)
        .where("name", "=", name)
        .where("kind", "=", "user")
        .orderBy("created_at")
        .executeTakeFirst();
      return row ? rowToPrincipalRecord(row) : undefined;
    },

    async insertCredential(record) {
      await db
        .insertInto("credentials")
        .values({
          access_key: record.accessKey,
          wrapped_secret_key: record.wrappedSecretKey,
          project_id: record.projectId,
          principal_id: record.principalId,
          created_at: record.createdAt.getTime(),
        })
        .execute();
    },

    async getCredential(accessKey) {
      const rows = await read<{
        access_key: string;
        wrapped_secret_key: Buffer;
        project_id: string;
        principal_id: string;
        created_at: number;
        kind: "user" | "service";
        name: string;
        role: string | null;
        service: string | null;
        domain_id: string;
      }>(credentialQuery({ accessKey }));
      const r = rows[0];
      if (!r) return undefined;
      // A user's credential works only while the user has a role in its project.
      if (r.kind === "user" && r.role === null) return undefined;
      const credential: CredentialRecord = {
        accessKey: r.access_key,
        wrappedSecretKey: r.wrapped_secret_key,
        projectId: r.project_id,
        principalId: r.principal_id,
        createdAt: new Date(Number(r.created_at)),
      };
      const identity = rowToPrincipalIdentity({
        id: r.principal_id,
        kind: r.kind,
        name: r.name,
        service: r.service,
      });
      return {
        credential,
        principal: identity.kind === "user" ? { ...identity, role: r.role as TRole } : identity,
        domainId: r.domain_id,
      };
    },

    // project roles

    async setProjectRole(projectId, principalId, role, now) {
      if (role === null) {
        await db
          .deleteFrom("project_roles")
          .where("project_id", "=", projectId)
          .where("principal_id", "=", principalId)
          .execute();
        return;
      }
      await db
        .insertInto("project_roles")
        .values({ project_id: projectId, principal_id: principalId, role, created_at: now.getTime() })
        .onConflict((oc) => oc.columns(["project_id", "principal_id"]).doUpdateSet({ role }))
        .execute();
    },

    async getProjectRole(projectId, principalId) {
      const row = await db
        .selectFrom("project_roles")
        .select("role")
        .where("project_id", "=", projectId)
        .where("principal_id", "=", principalId)
        .executeTakeFirst();
      return row ? (row.role as TRole) : undefined;
    },

    async listProjectRoles(principalId) {
      const rows = await db
        .selectFrom("project_roles as r")
        .innerJoin("projects as p", "p.id", "r.project_id")
        .selectAll("p")
        .select("r.role")
        .where("r.principal_id", "=", principalId)
        .orderBy("p.created_at")
        .orderBy("p.id")
        .execute();
      return rows.map((r) => ({ project: rowToProject(r), role: r.role as TRole }));
    },

    // keys

    async insertKey(key, version, maxCustomKeys, tags = []): Promise<InsertKeyResult> {
      try {
        return await db.transaction().execute(async (trx) => {
          // PostgreSQL: the project row is the per-project lock that makes count-then-insert atomic.
          if (isPg) {
            await trx
              .selectFrom("projects")
              .select("id")
              .where("id", "=", key.projectId)
              .forUpdate()
              .execute();
          }
          if (!key.isDefault && (await customKeyCount(trx, key.projectId)) >= maxCustomKeys) {
            return "quota_exceeded";
          }
          await trx.insertInto("keys").values(keyToRow(key)).execute();
          await trx.insertInto("key_versions").values(versionToRow(version)).execute();
          // A later tag of the same key wins, as in updateTags.
          const values = new Map(tags.map((t) => [t.key, t.value]));
          if (values.size > 0) {
            await trx
              .insertInto("key_tags")
              .values([...values].map(([k, v]) => ({ key_id: key.id, tag_key: k, tag_value: v })))
              .execute();
          }
          return "ok";
        });
      } catch (error) {
        if (isAliasTaken(error)) return "alias_taken";
        throw error;
      }
    },

    async insertDefaultKey(key, version) {
      const service = key.service as TServiceCode;
      const existing = await getDefaultKey(key.projectId, service);
      if (existing) return existing;
      await db.transaction().execute(async (trx) => {
        // The partial unique index on (project_id, service) WHERE is_default decides the race.
        const inserted = await trx
          .insertInto("keys")
          .values(keyToRow(key))
          .onConflict((oc) => oc.doNothing())
          .returning("id")
          .executeTakeFirst();
        if (inserted) await trx.insertInto("key_versions").values(versionToRow(version)).execute();
      });
      const winner = await getDefaultKey(key.projectId, service);
      if (!winner) throw new Error(`default key of ${service} neither inserted nor found`);
      return winner;
    },

    getKey,
    getDefaultKey,

    async getKeyWithVersion(projectId, keyId, version) {
      const q =
        version === undefined
          ? currentVersionQuery({ keyId, projectId })
          : givenVersionQuery({ keyId, projectId, version });
      const found = readFirstRaw(q);
      const row = found instanceof Promise ? await found : found;
      return row ? arrayToKeyWithVersion(row) : undefined;
    },

    async listKeyVersions(keyId) {
      const rows = await db
        .selectFrom("key_versions as v")
        .innerJoin("keys as k", "k.id", "v.key_id")
        .selectAll("v")
        .where("v.key_id", "=", keyId)
        .where("k.destroyed_at", "is", null)
        .orderBy("v.version")
        .execute();
      return rows.map(rowToVersion);
    },

    async listKeys(projectId, query, hiddenServices, visibleTo) {
      const { pages, counts, sortColumn, skip } = listKeysQueries(
        db,
        projectId,
        query,
        hiddenServices,
        visibleTo,
      );
      const [totals, results] = await Promise.all([
        Promise.all(counts.map((c) => c.executeTakeFirst())),
        Promise.all(pages.map((p) => p.execute())),
      ]);
      const total = totals.reduce((sum, t) => sum + num(t?.n), 0);
      const rows = mergePages(results, sortColumn, query.order, skip, query.limit);
      const more = rows.length > query.limit;
      const items = (more ? rows.slice(0, query.limit) : rows).map(rowToKey);
      const last = more ? rows[query.limit - 1] : undefined;
      return {
        items,
        nextCursor: last
          ? encodeCursor({ sort: query.sort, value: last[sortColumn] as string | number, id: last.id })
          : null,
        total,
      };
    },

    countCustomKeys: (projectId) => customKeyCount(db, projectId),

    async updateKey(projectId, keyId, expect, patch) {
      let q = db
        .updateTable("keys")
        .where("id", "=", keyId)
        .where("project_id", "=", projectId)
        .where("destroyed_at", "is", null);
      if (expect.states) q = q.where("state", "in", expect.states.length ? [...expect.states] : [""]);
      if (expect.currentVersion !== undefined) q = q.where("current_version", "=", expect.currentVersion);
      const set = patchToRow(patch);
      // An empty patch still answers whether the precondition holds.
      if (Object.keys(set).length === 0) set.id = keyId;
      try {
        const row = await q.set(set).returningAll().executeTakeFirst();
        return row ? rowToKey(row) : undefined;
      } catch (error) {
        if (isAliasTaken(error)) return "alias_taken";
        throw error;
      }
    },

    async addKeyVersion(projectId, version, patch) {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable("keys")
          .set({ ...patchToRow(patch), current_version: version.version })
          .where("id", "=", version.keyId)
          .where("project_id", "=", projectId)
          .where("destroyed_at", "is", null)
          .where("current_version", "=", version.version - 1)
          .returningAll()
          .executeTakeFirst();
        if (!row) return undefined;
        await trx.insertInto("key_versions").values(versionToRow(version)).execute();
        return rowToKey(row);
      });
    },

    async listDueRotations(now, limit, afterKeyId) {
      let q = db
        .selectFrom("keys")
        .select(["project_id", "id"])
        // Written out, not bound: a planner uses a partial index only for the terms of its WHERE.
        .where(sql<boolean>`rotation_enabled = 1 and destroyed_at is null`)
        .where("state", "=", "enabled")
        .where("is_default", "=", 0)
        .where("origin", "=", "kms")
        .where("spec", "in", [...SYMMETRIC_SPECS])
        .where(
          sql<number>`coalesce(last_rotated_at, created_at) + rotation_interval_days * cast(${DAY_MS} as bigint)`,
          "<=",
          now.getTime(),
        );
      if (afterKeyId !== undefined) q = q.where("id", ">", afterKeyId);
      const rows = await q.orderBy("id").limit(limit).execute();
      return rows.map((r) => ({ projectId: r.project_id, keyId: r.id }));
    },

    async listDueDeletions(now, limit) {
      const rows = await db
        .selectFrom("keys")
        .select(["project_id", "id"])
        .where("state", "=", "pending_deletion")
        .where("deletion_date", "<=", now.getTime())
        .where("destroyed_at", "is", null)
        .orderBy("deletion_date")
        .orderBy("id")
        .limit(limit)
        .execute();
      return rows.map((r) => ({ projectId: r.project_id, keyId: r.id }));
    },

    async destroyKey(projectId, keyId, now) {
      return db.transaction().execute(async (trx) => {
        const destroyed = await trx
          .updateTable("keys")
          .set({ destroyed_at: now.getTime(), updated_at: now.getTime() })
          .where("id", "=", keyId)
          .where("project_id", "=", projectId)
          .where("state", "=", "pending_deletion")
          .where("deletion_date", "<=", now.getTime())
          .where("destroyed_at", "is", null)
          .executeTakeFirst();
        if (Number(destroyed.numUpdatedRows) === 0) return false;
        // The row stays for billing history; the material, tags and grants go.
        await trx
          .updateTable("key_versions")
          .set({ wrapped_material: Buffer.alloc(0) })
          .where("key_id", "=", keyId)
          .execute();
        await trx.deleteFrom("key_tags").where("key_id", "=", keyId).execute();
        await trx.deleteFrom("grants").where("key_id", "=", keyId).execute();
        return true;
      });
    },

    // tags

    async getTags(keyId) {
      const rows = await db
        .selectFrom("key_tags as t")
        .innerJoin("keys as k", "k.id", "t.key_id")
        .select(["t.tag_key", "t.tag_value"])
        .where("t.key_id", "=", keyId)
        .where("k.destroyed_at", "is", null)
        .orderBy("t.tag_key")
        .execute();
      return rows.map((r) => ({ key: r.tag_key, value: r.tag_value }));
    },

    async updateTags(keyId, add, remove, maxTags): Promise<UpdateTagsResult> {
      return db.transaction().execute(async (trx) => {
        if (!(await liveKeyExists(trx, keyId))) return "not_found";
        const current = await trx
          .selectFrom("key_tags")
          .select("tag_key")
          .where("key_id", "=", keyId)
          .execute();
        const after = new Set(current.map((r) => r.tag_key));
        for (const k of remove) after.delete(k);
        for (const t of add) after.add(t.key);
        // Checked before writing, so a refused update writes nothing. An update that does not grow
        // the set passes, so a key above a lowered maximum can still shed tags.
        if (after.size > maxTags && after.size > current.length) return "too_many";
        if (remove.length > 0) {
          await trx
            .deleteFrom("key_tags")
            .where("key_id", "=", keyId)
            .where("tag_key", "in", remove)
            .execute();
        }
        // The last value given for a tag key wins.
        const values = new Map(add.map((t) => [t.key, t.value]));
        if (values.size > 0) {
          await trx
            .insertInto("key_tags")
            .values([...values].map(([k, v]) => ({ key_id: keyId, tag_key: k, tag_value: v })))
            .onConflict((oc) =>
              oc
                .columns(["key_id", "tag_key"])
                .doUpdateSet((eb) => ({ tag_value: eb.ref("excluded.tag_value") })),
            )
            .execute();
        }
        return "ok";
      });
    },

    async listProjectTags(projectId, visibleTo) {
      let keys = db
        .selectFrom("keys")
        .select("id")
        .where("project_id", "=", projectId)
        .where("destroyed_at", "is", null);
      if (visibleTo) keys = keys.where(visibleKeys(projectId, visibleTo));
      const rows = await db
        .selectFrom("key_tags as t")
        .select(["t.tag_key", "t.tag_value"])
        .distinct()
        .where("t.key_id", "in", keys)
        .orderBy("t.tag_key")
        .orderBy("t.tag_value")
        .execute();
      const byKey = new Map<string, string[]>();
      for (const r of rows) {
        const values = byKey.get(r.tag_key) ?? [];
        values.push(r.tag_value);
        byKey.set(r.tag_key, values);
      }
      return [...byKey].map(([key, values]): TagFilter => ({ key, values }));
    },

    async listKeysByTags(projectId, filters, aliasContains, offset, limit, visibleTo) {
      let base = db.selectFrom("keys").where("project_id", "=", projectId).where("destroyed_at", "is", null);
      if (visibleTo) base = base.where(visibleKeys(projectId, visibleTo));
      for (const f of filters) {
        base = base.where((eb) =>
          eb.exists(
            eb
              .selectFrom("key_tags as t")
              .select(sql.lit(1).as("one"))
              .whereRef("t.key_id", "=", "keys.id")
              .where("t.tag_key", "=", f.key)
              .where("t.tag_value", "in", f.values.length ? f.values : [""]),
          ),
        );
      }
      if (aliasContains) {
        // Case-sensitive substring (LIKE would be case-insensitive in SQLite).
        const position = isPg ? sql`strpos(alias, ${aliasContains})` : sql`instr(alias, ${aliasContains})`;
        base = base.where(sql<boolean>`${position} > 0`);
      }
      const [rows, total] = await Promise.all([
        base
          .selectAll()
          .orderBy("created_at", "desc")
          .orderBy("id", "desc")
          .offset(offset)
          .limit(limit)
          .execute(),
        base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow(),
      ]);
      const tags = await tagsOf(rows.map((r) => r.id));
      return {
        items: rows.map((r) => ({ key: rowToKey(r), tags: tags.get(r.id) ?? [] })),
        total: num(total.n),
      };
    },

    // grants

    async insertGrant(grant, maxPerKey): Promise<InsertGrantResult> {
      return db.transaction().execute(async (trx) => {
        // Locks the key row (PostgreSQL) so that concurrent grants on one key count in turn.
        await forUpdate(trx.selectFrom("keys").select("id").where("id", "=", grant.keyId)).execute();
        const { n } = await trx
          .selectFrom("grants")
          .select((eb) => eb.fn.countAll().as("n"))
          .where("key_id", "=", grant.keyId)
          .executeTakeFirstOrThrow();
        if (num(n) >= maxPerKey) return "too_many";
        // Under the same key lock as deleteGrant: a derived grant is never written after its parent went.
        if (grant.parentGrantId !== null) {
          const parent = await trx
            .selectFrom("grants")
            .select("id")
            .where("id", "=", grant.parentGrantId)
            .executeTakeFirst();
          if (!parent) return "parent_revoked";
        }
        await trx.insertInto("grants").values(grantToRow(grant)).execute();
        return "ok";
      });
    },

    async getGrant(grantId) {
      const row = await db.selectFrom("grants").selectAll().where("id", "=", grantId).executeTakeFirst();
      return row ? rowToGrant(row) : undefined;
    },

    async listGrants(keyId, offset, limit) {
      const base = db.selectFrom("grants").where("key_id", "=", keyId);
      const [rows, total] = await Promise.all([
        base.selectAll().orderBy("created_at").orderBy("id").offset(offset).limit(limit).execute(),
        base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow(),
      ]);
      return { items: rows.map(rowToGrant), total: num(total.n) };
    },

    async listRetirableGrants(projectId, retiringPrincipal, offset, limit) {
      const base = db
        .selectFrom("grants")
        .where("project_id", "=", projectId)
        .where("retiring_principal", "=", retiringPrincipal);
      const [rows, total] = await Promise.all([
        base.selectAll().orderBy("created_at").orderBy("id").offset(offset).limit(limit).execute(),
        base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow(),
      ]);
      return { items: rows.map(rowToGrant), total: num(total.n) };
    },

    async deleteGrant(grantId) {
      return db.transaction().execute(async (trx) => {
        const grant = await trx
          .selectFrom("grants")
          .select("key_id")
          .where("id", "=", grantId)
          .executeTakeFirst();
        if (!grant) return [];
        await forUpdate(trx.selectFrom("keys").select("id").where("id", "=", grant.key_id)).execute();
        const chain = await sql<{ id: string }>`with recursive chain (id) as (
            select id from grants where id = ${grantId}
            union select g.id from grants g join chain c on g.parent_grant_id = c.id
          ) select id from chain`.execute(trx);
        const ids = chain.rows.map((r) => r.id);
        await trx.deleteFrom("grants").where("id", "in", ids).execute();
        return ids;
      });
    },

    async hasGrant(keyId, principalId, operation) {
      const rows = await read<{ operations: string }>(grantOperationsQuery({ keyId, principalId }));
      return rows.some((r) => (JSON.parse(r.operations) as string[]).includes(operation));
    },

    // metering and audit

    async recordUsage(counts, audits) {
      if (counts.length === 0 && audits.length === 0) return;
      // One statement per table, or one function call on PostgreSQL (see usage-writes.ts); sorted
      // rows keep PostgreSQL's row locks in one order across concurrent batches.
      const writes = flushWrites({ ...aggregate(counts), lastUsed: lastUsedByKey(counts, audits) });
      // The crypto calls' batches: counts only, no audit sequence to read.
      if (direct.write && audits.length === 0) return direct.write(writes);
      await db.transaction().execute(async (trx) => {
        for (const write of writes) await trx.executeQuery(write);
        if (audits.length > 0) {
          // Sequence numbers are taken under a lock held to commit (SQLite: the write lock itself), so
          // events commit in sequence order and a feed reader past seq N never misses a later commit below N.
          if (isPg) await sql`select pg_advisory_xact_lock(${AUDIT_SEQ_LOCK})`.execute(trx);
          const { last } = await trx
            .selectFrom("audit_events")
            .select((eb) => eb.fn.max<number | null>("seq").as("last"))
            .executeTakeFirstOrThrow();
          let seq = num(last);
          for (const rows of chunk(audits, 11)) {
            await trx
              .insertInto("audit_events")
              .values(rows.map((a) => ({ ...auditToRow(a), seq: ++seq })))
              .execute();
          }
        }
      });
    },

    foldedUpTo: (journalId) => foldPoint(db, journalId),

    foldJournal(journalId, batches) {
      return db.transaction().execute(async (trx) => {
        const from = await foldPoint(trx, journalId);
        const fresh = batches.filter((b) => b.seq > from);
        if (fresh.length === 0) return from;
        const counts = fresh.flatMap((b) => b.counts);
        for (const write of flushWrites({ ...aggregate(counts), lastUsed: lastUsedByKey(counts, []) })) {
          await trx.executeQuery(write);
        }
        const to = Math.max(...fresh.map((b) => b.seq));
        await trx
          .insertInto("usage_journal_folds")
          .values({ journal_id: journalId, folded_seq: to })
          .onConflict((oc) => oc.column("journal_id").doUpdateSet({ folded_seq: to }))
          .execute();
        return to;
      });
    },

    async sumUsage(filter) {
      let q = db
        .selectFrom("usage_counts")
        .select((eb) => eb.fn.sum<number | string | null>("count").as("n"));
      if (filter.projectId !== undefined) q = q.where("project_id", "=", filter.projectId);
      if (filter.domainId !== undefined) q = q.where("domain_id", "=", filter.domainId);
      if (filter.keyId !== undefined) q = q.where("key_id", "=", filter.keyId);
      if (filter.from) q = q.where("hour", ">=", filter.from.getTime());
      if (filter.to) q = q.where("hour", "<", filter.to.getTime());
      const row = await q.executeTakeFirst();
      return num(row?.n);
    },

    async listAudit(filter) {
      let q = db.selectFrom("audit_events").selectAll().where("project_id", "=", filter.projectId);
      if (filter.keyId !== undefined) q = q.where("key_id", "=", filter.keyId);
      if (filter.principalId !== undefined) q = q.where("principal_id", "=", filter.principalId);
      if (filter.operation !== undefined) q = q.where("operation", "=", filter.operation);
      if (filter.result !== undefined) q = q.where("result", "=", filter.result);
      if (filter.cursor) {
        const c = decodeCursor(filter.cursor, "audit", "number");
        q = q.where((eb) => eb(eb.refTuple("time", "id"), "<", eb.tuple(c.value as number, c.id)));
      }
      const rows = await q
        .orderBy("time", "desc")
        .orderBy("id", "desc")
        .limit(filter.limit + 1)
        .execute();
      const more = rows.length > filter.limit;
      const page = more ? rows.slice(0, filter.limit) : rows;
      const last = page[page.length - 1];
      return {
        items: page.map(rowToAudit),
        nextCursor: more && last ? encodeCursor({ sort: "audit", value: last.time, id: last.id }) : null,
      };
    },

    // reports: every query reads rollups keyed by key, principal or day, never the request count

    async keyUsageSeries(projectId, keyId, from, to, granularity) {
      if (granularity === "hour") {
        const rows = await db
          .selectFrom("usage_counts")
          .select(["hour", "operation", (eb) => eb.fn.sum<number | string>("count").as("n")])
          .where("project_id", "=", projectId)
          .where("key_id", "=", keyId)
          .where("hour", ">=", Math.floor(from.getTime() / HOUR_MS) * HOUR_MS)
          .where("hour", "<", to.getTime())
          .groupBy(["hour", "operation"])
          .orderBy("hour")
          .orderBy("operation")
          .execute();
        return rows.map((r) => ({
          period: new Date(num(r.hour)),
          operation: r.operation as TOperation,
          count: num(r.n),
        }));
      }
      const rows = await db
        .selectFrom("usage_daily")
        .select(["day", "operation", (eb) => eb.fn.sum<number | string>("count").as("n")])
        .where("project_id", "=", projectId)
        .where("key_id", "=", keyId)
        .where("day", ">=", dayOf(from.getTime()))
        .where("day", "<", dayOf(Math.ceil(to.getTime() / DAY_MS) * DAY_MS))
        .groupBy(["day", "operation"])
        .orderBy("day")
        .orderBy("operation")
        .execute();
      return rows.map((r) => ({
        period: new Date(`${r.day}T00:00:00.000Z`),
        operation: r.operation as TOperation,
        count: num(r.n),
      }));
    },

    async keyDependents(projectId, keyId) {
      const rows = await db
        .selectFrom("usage_key_principal")
        .select(["principal_id", "operation", "count", "last_hour"])
        .where("project_id", "=", projectId)
        .where("key_id", "=", keyId)
        .execute();
      const byPrincipal = new Map<string, { requests: number; operations: Set<TOperation>; last: number }>();
      for (const r of rows) {
        const p = byPrincipal.get(r.principal_id) ?? { requests: 0, operations: new Set(), last: 0 };
        p.requests += num(r.count);
        p.operations.add(r.operation as TOperation);
        p.last = Math.max(p.last, num(r.last_hour));
        byPrincipal.set(r.principal_id, p);
      }
      return [...byPrincipal]
        .map(([principalId, p]) => ({
          principalId,
          requests: p.requests,
          operations: [...p.operations].sort(),
          lastUsedHour: new Date(p.last),
        }))
        .sort((a, b) => b.requests - a.requests || (a.principalId < b.principalId ? -1 : 1));
    },

    async keyRequestsInMonth(projectId, keyIds, month) {
      const result = new Map<string, number>();
      for (const ids of chunk([...new Set(keyIds)], 1)) {
        if (ids.length === 0) continue;
        const rows = await db
          .selectFrom("usage_key_monthly")
          .select(["key_id", (eb) => eb.fn.sum<number | string>("count").as("n")])
          .where("project_id", "=", projectId)
          .where("month", "=", month)
          .where("key_id", "in", ids)
          .groupBy("key_id")
          .execute();
        for (const r of rows) result.set(r.key_id, num(r.n));
      }
      return result;
    },

    async monthUsage(domainId, month) {
      const [byKey, byPrincipal, daily] = await Promise.all([
        read<{
          project_id: string;
          key_id: string;
          count: number;
          alias: string | null;
          is_default: number | null;
        }>(
          db
            .selectFrom("usage_key_monthly as u")
            .leftJoin("keys as k", "k.id", "u.key_id")
            .select(["u.project_id", "u.key_id", "u.count", "k.alias", "k.is_default"])
            .where("u.domain_id", "=", domainId)
            .where("u.month", "=", month)
            .orderBy("u.count", "desc")
            .orderBy("u.key_id")
            .compile(),
        ),
        db
          .selectFrom("usage_principal_monthly")
          .select(["principal_id", "count"])
          .where("domain_id", "=", domainId)
          .where("month", "=", month)
          .orderBy("count", "desc")
          .orderBy("principal_id")
          .execute(),
        db
          .selectFrom("usage_domain_daily")
          .select(["day", "count"])
          .where("domain_id", "=", domainId)
          .where("day", ">", `${month}-00`)
          .where("day", "<", `${month}-99`)
          .orderBy("day")
          .execute(),
      ]);
      return {
        byKey: byKey.map((r) => ({
          projectId: r.project_id,
          keyId: r.key_id,
          alias: r.alias ?? null,
          isDefault: num(r.is_default) === 1,
          requests: num(r.count),
        })),
        byPrincipal: byPrincipal.map((r) => ({ principalId: r.principal_id, requests: num(r.count) })),
        daily: daily.map((r) => ({ day: r.day, requests: num(r.count) })),
      };
    },

    async hostedVersions(domainId, from, to) {
      const query = db
        .selectFrom("key_versions as v")
        .innerJoin("keys as k", "k.id", "v.key_id")
        .select([
          "k.project_id",
          "k.id",
          "k.alias",
          "k.state",
          "k.destroyed_at",
          "k.deletion_scheduled_at",
          "v.version",
          "v.created_at",
        ])
        .where("k.domain_id", "=", domainId)
        .where("k.is_default", "=", 0)
        .where("v.created_at", "<", to.getTime())
        // Versions whose billing stopped before `from` are left out.
        .where((eb) =>
          eb.or([
            eb.and([eb("k.state", "!=", "pending_deletion"), eb("k.destroyed_at", "is", null)]),
            eb("k.deletion_scheduled_at", "is", null),
            eb("k.deletion_scheduled_at", ">", from.getTime()),
          ]),
        )
        .orderBy("k.project_id")
        .orderBy("k.id")
        .orderBy("v.version");
      // Reports read committed data through the direct reader where there is one (SQLite).
      const rows = await read<Awaited<ReturnType<typeof query.execute>>[number]>(query.compile());
      return rows.map((r) => {
        const stopped = r.state === "pending_deletion" || r.destroyed_at !== null;
        const scheduled = r.deletion_scheduled_at === null ? null : num(r.deletion_scheduled_at);
        return {
          projectId: r.project_id,
          keyId: r.id,
          alias: r.alias,
          version: num(r.version),
          createdAt: new Date(num(r.created_at)),
          billedUntil: stopped && scheduled !== null ? new Date(scheduled) : null,
        };
      });
    },

    // sessions

    async insertSession(session) {
      await db
        .insertInto("sessions")
        .values({
          id_hash: session.idHash,
          principal_id: session.principalId,
          domain_id: session.domainId,
          username: session.username,
          csrf_token: session.csrfToken,
          created_at: session.createdAt.getTime(),
          expires_at: session.expiresAt.getTime(),
        })
        .execute();
    },

    async getSession(idHash, now) {
      const r = await db
        .selectFrom("sessions")
        .selectAll()
        .where("id_hash", "=", idHash)
        .where("expires_at", ">", now.getTime())
        .executeTakeFirst();
      if (!r) return undefined;
      return {
        idHash: r.id_hash,
        principalId: r.principal_id,
        domainId: r.domain_id,
        username: r.username,
        csrfToken: r.csrf_token,
        createdAt: new Date(num(r.created_at)),
        expiresAt: new Date(num(r.expires_at)),
      };
    },

    async deleteSession(idHash) {
      await db.deleteFrom("sessions").where("id_hash", "=", idHash).execute();
    },

    async deleteExpiredSessions(now) {
      const result = await db
        .deleteFrom("sessions")
        .where("expires_at", "<=", now.getTime())
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    // the audit feed

    async auditAfter(projectId, after, limit) {
      if (after === null) {
        const { last } = await db
          .selectFrom("audit_events")
          .select((eb) => eb.fn.max<number | null>("seq").as("last"))
          .where("project_id", "=", projectId)
          .executeTakeFirstOrThrow();
        return { items: [], cursor: feedCursor(num(last)) };
      }
      const from = decodeCursor(after, "feed", "number").value as number;
      const rows = await db
        .selectFrom("audit_events")
        .selectAll()
        .where("project_id", "=", projectId)
        .where("seq", ">", from)
        .orderBy("seq")
        .limit(limit)
        .execute();
      const last = rows[rows.length - 1];
      return { items: rows.map(rowToAudit), cursor: last ? feedCursor(num(last.seq)) : after };
    },
  };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const feedCursor = (seq: number): string => encodeCursor({ sort: "feed", value: seq, id: "" });

/**
 * The batch's counts summed per row of each usage table, as value tuples in the column order of
 * usage-writes.ts, each list sorted by its primary key: fewer rows, PostgreSQL refuses an upsert
 * that touches one row twice, and every batch locks rows in the same order.
 */
function aggregate(counts: readonly TUsageCount[]) {
  const tables = {
    hourly: new Map<string, unknown[]>(),
    daily: new Map<string, unknown[]>(),
    monthly: new Map<string, unknown[]>(),
    keyMonthly: new Map<string, unknown[]>(),
    principalMonthly: new Map<string, unknown[]>(),
    domainDaily: new Map<string, unknown[]>(),
    keyPrincipal: new Map<string, unknown[]>(),
  };
  /** Adds `count` to the tuple's count column (at `at`), creating the tuple from `row` if new. */
  const add = (
    map: Map<string, unknown[]>,
    key: unknown[],
    row: () => unknown[],
    at: number,
    count: number,
  ) => {
    const id = key.join("\u0000");
    const existing = map.get(id);
    if (existing) existing[at] = (existing[at] as number) + count;
    else map.set(id, row());
  };
  for (const c of counts) {
    const hour = c.hour.getTime();
    const iso = c.hour.toISOString();
    const day = iso.slice(0, 10);
    const month = iso.slice(0, 7);
    const { projectId: p, domainId: d, keyId: k, principalId: who, operation: op, count: n } = c;
    add(tables.hourly, [p, k, who, op, hour], () => [p, d, k, who, op, hour, n], 6, n);
    add(tables.daily, [p, k, op, day], () => [p, k, op, day, n], 4, n);
    add(tables.monthly, [d, p, k, who, op, month], () => [d, p, k, who, op, month, n], 6, n);
    add(tables.keyMonthly, [d, month, p, k], () => [d, month, p, k, n], 4, n);
    add(tables.principalMonthly, [d, month, who], () => [d, month, who, n], 3, n);
    add(tables.domainDaily, [d, day], () => [d, day, n], 2, n);
    const dependent = [p, k, who, op];
    add(tables.keyPrincipal, dependent, () => [p, k, who, op, n, hour], 4, n);
    const row = tables.keyPrincipal.get(dependent.join("\u0000"))!;
    row[5] = Math.max(row[5] as number, hour);
  }
  const sorted = (map: Map<string, unknown[]>): unknown[][] =>
    [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  return {
    hourly: sorted(tables.hourly),
    daily: sorted(tables.daily),
    monthly: sorted(tables.monthly),
    keyMonthly: sorted(tables.keyMonthly),
    principalMonthly: sorted(tables.principalMonthly),
    domainDaily: sorted(tables.domainDaily),
    keyPrincipal: sorted(tables.keyPrincipal),
  };
}

/** The latest use of each key named in the batch (hour of a count, time of an audit), sorted by key ID. */
function lastUsedByKey(
  counts: readonly TUsageCount[],
  audits: readonly TAuditEvent[],
): Array<[string, number]> {
  const latest = new Map<string, number>();
  const see = (keyId: string | null, at: number) => {
    if (!keyId) return;
    if (at > (latest.get(keyId) ?? 0)) latest.set(keyId, at);
  };
  for (const c of counts) see(c.keyId, c.hour.getTime());
  for (const a of audits) see(a.keyId, a.time.getTime());
  return [...latest].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
