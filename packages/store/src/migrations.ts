import { type Kysely, type Migration, type MigrationProvider, sql } from "kysely";
import type { SqlDialect } from "./schema.js";

/**
 * Migrations live in code (no folder scan) so that the built package carries them and both
 * dialects run the same definitions. Only the column types that differ are chosen per dialect.
 */
export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}

function migrations(dialect: SqlDialect): Record<string, Migration> {
  const blob = dialect === "postgres" ? "bytea" : "blob";
  // PostgreSQL compares text by the database's collation; "C" makes prefix ranges and sort order
  // byte-wise, as in SQLite, whatever locale the database was created with.
  const binary = dialect === "postgres" ? sql`collate "C"` : sql``;

  return {
    "0001_initial": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("projects")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("domain_id", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("region", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("principals")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("domain_id", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("role", "text")
          .addColumn("service", "text")
          .addColumn("password_hash", "text")
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("principals_domain_name")
          .on("principals")
          .columns(["domain_id", "name"])
          .execute();

        await db.schema
          .createTable("credentials")
          .addColumn("access_key", "text", (c) => c.primaryKey())
          .addColumn("wrapped_secret_key", blob, (c) => c.notNull())
          .addColumn("project_id", "text", (c) => c.notNull().references("projects.id"))
          .addColumn("principal_id", "text", (c) => c.notNull().references("principals.id"))
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("keys")
          .addColumn("id", "text", (c) => c.modifyFront(binary).primaryKey())
          .addColumn("project_id", "text", (c) => c.notNull().references("projects.id"))
          .addColumn("domain_id", "text", (c) => c.notNull())
          .addColumn("alias", "text", (c) => c.modifyFront(binary).notNull())
          .addColumn("description", "text", (c) => c.notNull())
          .addColumn("spec", "text", (c) => c.modifyFront(binary).notNull())
          .addColumn("usage", "text", (c) => c.notNull())
          .addColumn("origin", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.modifyFront(binary).notNull())
          .addColumn("is_default", "integer", (c) => c.notNull())
          .addColumn("service", "text")
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .addColumn("deletion_scheduled_at", "bigint")
          .addColumn("deletion_date", "bigint")
          .addColumn("current_version", "integer", (c) => c.notNull())
          .addColumn("rotation_enabled", "integer", (c) => c.notNull())
          .addColumn("rotation_interval_days", "integer", (c) => c.notNull())
          .addColumn("last_rotated_at", "bigint")
          .addColumn("rotation_count", "integer", (c) => c.notNull())
          .addColumn("last_used_at", "bigint", (c) => c.notNull().defaultTo(0))
          .addColumn("destroyed_at", "bigint")
          .execute();
        // The rules two processes must agree on are constraints, not code.
        await db.schema
          .createIndex("keys_live_alias")
          .on("keys")
          .columns(["project_id", "alias"])
          .unique()
          .where(sql.ref("destroyed_at"), "is", null)
          .execute();
        await db.schema
          .createIndex("keys_default_service")
          .on("keys")
          .columns(["project_id", "service"])
          .unique()
          .where(sql.ref("is_default"), "=", sql.lit(1))
          .execute();
        // Keyset paging: one index per sort, each ending in id (the tie-breaker). destroyed_at is an
        // index column rather than a partial-index condition so that SQLite can test it inside the
        // index (a partial index does not cover its own condition). The default sort's index also
        // carries every filter column, so filtered pages and counts are answered from the index.
        await db.schema
          .createIndex("keys_list_created")
          .on("keys")
          .columns([
            "project_id",
            "destroyed_at",
            "created_at",
            "id",
            "alias",
            "state",
            "spec",
            "is_default",
            "service",
          ])
          .execute();
        for (const [name, column] of [
          ["keys_list_state", "state"],
          ["keys_list_spec", "spec"],
          ["keys_list_last_used", "last_used_at"],
        ] as const) {
          await db.schema
            .createIndex(name)
            .on("keys")
            .columns(["project_id", "destroyed_at", column, "id"])
            .execute();
        }
        // Sorting by alias uses keys_live_alias.
        await db.schema
          .createIndex("keys_due_deletion")
          .on("keys")
          .columns(["state", "deletion_date", "id"])
          .where(sql.ref("destroyed_at"), "is", null)
          .execute();

        await db.schema
          .createTable("key_versions")
          .addColumn("key_id", "text", (c) => c.notNull().references("keys.id"))
          .addColumn("version", "integer", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("wrapped_material", blob, (c) => c.notNull())
          .addColumn("public_key", blob)
          .addPrimaryKeyConstraint("key_versions_pk", ["key_id", "version"])
          .execute();

        await db.schema
          .createTable("key_tags")
          .addColumn("key_id", "text", (c) => c.notNull().references("keys.id"))
          .addColumn("tag_key", "text", (c) => c.modifyFront(binary).notNull())
          .addColumn("tag_value", "text", (c) => c.modifyFront(binary).notNull())
          .addPrimaryKeyConstraint("key_tags_pk", ["key_id", "tag_key"])
          .execute();
        await db.schema
          .createIndex("key_tags_tag")
          .on("key_tags")
          .columns(["tag_key", "tag_value", "key_id"])
          .execute();

        await db.schema
          .createTable("grants")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("key_id", "text", (c) => c.notNull().references("keys.id"))
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("grantee_principal", "text", (c) => c.notNull())
          .addColumn("grantee_principal_type", "text", (c) => c.notNull())
          .addColumn("operations", "text", (c) => c.notNull())
          .addColumn("issuing_principal", "text", (c) => c.notNull())
          .addColumn("retiring_principal", "text")
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("grants_key_grantee")
          .on("grants")
          .columns(["key_id", "grantee_principal"])
          .execute();
        await db.schema
          .createIndex("grants_retiring")
          .on("grants")
          .columns(["project_id", "retiring_principal", "created_at"])
          .execute();

        // Metering: raw hourly counts plus the rollups that billing reads.
        await db.schema
          .createTable("usage_counts")
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("domain_id", "text", (c) => c.notNull())
          .addColumn("key_id", "text", (c) => c.notNull())
          .addColumn("principal_id", "text", (c) => c.notNull())
          .addColumn("operation", "text", (c) => c.notNull())
          .addColumn("hour", "bigint", (c) => c.notNull())
          .addColumn("count", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("usage_counts_pk", [
            "project_id",
            "key_id",
            "principal_id",
            "operation",
            "hour",
          ])
          .execute();
        await db.schema
          .createIndex("usage_counts_domain_hour")
          .on("usage_counts")
          .columns(["domain_id", "hour"])
          .execute();
        await db.schema
          .createIndex("usage_counts_key_hour")
          .on("usage_counts")
          .columns(["key_id", "hour"])
          .execute();

        await db.schema
          .createTable("usage_daily")
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("key_id", "text", (c) => c.notNull())
          .addColumn("operation", "text", (c) => c.notNull())
          .addColumn("day", "text", (c) => c.notNull())
          .addColumn("count", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("usage_daily_pk", ["project_id", "key_id", "operation", "day"])
          .execute();

        await db.schema
          .createTable("usage_monthly")
          .addColumn("domain_id", "text", (c) => c.notNull())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("key_id", "text", (c) => c.notNull())
          .addColumn("principal_id", "text", (c) => c.notNull())
          .addColumn("operation", "text", (c) => c.notNull())
          .addColumn("month", "text", (c) => c.notNull())
          .addColumn("count", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("usage_monthly_pk", [
            "domain_id",
            "project_id",
            "key_id",
            "principal_id",
            "operation",
            "month",
          ])
          .execute();

        await db.schema
          .createTable("audit_events")
          .addColumn("id", "text", (c) => c.modifyFront(binary).primaryKey())
          .addColumn("time", "bigint", (c) => c.notNull())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("principal_id", "text", (c) => c.notNull())
          .addColumn("principal_name", "text", (c) => c.notNull())
          .addColumn("operation", "text", (c) => c.notNull())
          .addColumn("key_id", "text")
          .addColumn("result", "text", (c) => c.notNull())
          .addColumn("error_code", "text")
          .addColumn("details", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("audit_project_time")
          .on("audit_events")
          .columns(["project_id", "time", "id"])
          .execute();
        await db.schema
          .createIndex("audit_key_time")
          .on("audit_events")
          .columns(["key_id", "time", "id"])
          .execute();
      },
    },
    "0002_reports_sessions_counts": {
      up: (db: Kysely<unknown>) => reportsSessionsCounts(db, dialect),
    },
    "0003_rotation_index": {
      // The rotation sweep reads only keys with rotation on, however many keys there are.
      async up(db: Kysely<unknown>) {
        await sql`create index keys_rotation_on on keys (id)
          where rotation_enabled = 1 and destroyed_at is null`.execute(db);
      },
    },
    "0004_key_epoch": {
      // SQLite's key epoch (see key-cache.ts); PostgreSQL's came later, in 0005.
      up: (db: Kysely<unknown>) =>
        dialect === "sqlite" ? createKeyEpoch(db, "integer", SQLITE_KEY_EPOCH_TRIGGERS) : Promise.resolve(),
    },
    "0005_key_epoch_postgres": {
      // The same counter for PostgreSQL's key cache, moved at commit (see POSTGRES_KEY_EPOCH).
      up: (db: Kysely<unknown>) =>
        dialect === "postgres" ? createKeyEpoch(db, "bigint", POSTGRES_KEY_EPOCH) : Promise.resolve(),
    },
    "0006_usage_journal_folds": {
      // How far each metering journal has been folded into the usage tables (see usage-journal.ts).
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("usage_journal_folds")
          .addColumn("journal_id", "text", (c) => c.primaryKey())
          .addColumn("folded_seq", "bigint", (c) => c.notNull())
          .execute();
      },
    },
    "0007_project_roles": {
      // A user's role is per project (it was one per user, which let the console reach every
      // project of the account). Each user gets its old role in the projects it holds credentials in.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("project_roles")
          .addColumn("project_id", "text", (c) => c.notNull().references("projects.id"))
          .addColumn("principal_id", "text", (c) => c.notNull().references("principals.id"))
          .addColumn("role", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("project_roles_pk", ["project_id", "principal_id"])
          .execute();
        await db.schema
          .createIndex("project_roles_principal")
          .on("project_roles")
          .columns(["principal_id", "project_id"])
          .execute();
        await sql`insert into project_roles (project_id, principal_id, role, created_at)
          select distinct c.project_id, p.id, p.role, p.created_at
          from credentials c join principals p on p.id = c.principal_id
          where p.kind = 'user' and p.role is not null`.execute(db);
        await db.schema.alterTable("principals").dropColumn("role").execute();
        // A session names who signed in; what they may do is read per project on every request.
        await db.schema.alterTable("sessions").dropColumn("role").execute();
      },
    },
    "0008_grant_chain": {
      // The grant a grantee-created grant was derived from (revoking or retiring it revokes the
      // chain), and the grantee index of service principals' listings.
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable("grants").addColumn("parent_grant_id", "text").execute();
        await db.schema.createIndex("grants_parent").on("grants").column("parent_grant_id").execute();
        // A service principal's key listings: the keys it holds a grant on.
        await db.schema
          .createIndex("grants_grantee")
          .on("grants")
          .columns(["project_id", "grantee_principal", "key_id"])
          .execute();
      },
    },
  };
}

/** The one-row counter that vouches for the key cache, and the triggers that move it. */
async function createKeyEpoch(db: Kysely<unknown>, type: "integer" | "bigint", triggers: readonly string[]) {
  await sql`create table key_epoch (id integer primary key check (id = 1), value ${sql.raw(type)} not null)`.execute(
    db,
  );
  await sql`insert into key_epoch (id, value) values (1, 0)`.execute(db);
  for (const statement of triggers) await sql.raw(statement).execute(db);
}

/**
 * Reports, sessions and cheap key-list totals:
 * - rollups that reports read instead of the hourly counters (each keyed so a report reads one row
 *   per key, principal or day, whatever the number of requests);
 * - console sessions;
 * - an audit sequence usable as a feed cursor (commit order = sequence order, see recordUsage);
 * - per-project key counters kept by triggers, so listKeys' total is a sum of a few rows.
 */
async function reportsSessionsCounts(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const isPg = dialect === "postgres";
  const binary = isPg ? sql`collate "C"` : sql``;
  const dayOfHour = isPg
    ? sql`to_char(to_timestamp(hour / 1000) at time zone 'UTC', 'YYYY-MM-DD')`
    : sql`strftime('%Y-%m-%d', hour / 1000, 'unixepoch')`;

  await db.schema
    .createTable("usage_key_monthly")
    .addColumn("domain_id", "text", (c) => c.notNull())
    .addColumn("month", "text", (c) => c.notNull())
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("count", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("usage_key_monthly_pk", ["domain_id", "month", "project_id", "key_id"])
    .execute();
  await db.schema
    .createIndex("usage_key_monthly_project")
    .on("usage_key_monthly")
    .columns(["project_id", "month", "key_id"])
    .execute();
  await sql`insert into usage_key_monthly (domain_id, month, project_id, key_id, count)
    select domain_id, month, project_id, key_id, sum(count) from usage_monthly
    group by domain_id, month, project_id, key_id`.execute(db);

  await db.schema
    .createTable("usage_principal_monthly")
    .addColumn("domain_id", "text", (c) => c.notNull())
    .addColumn("month", "text", (c) => c.notNull())
    .addColumn("principal_id", "text", (c) => c.notNull())
    .addColumn("count", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("usage_principal_monthly_pk", ["domain_id", "month", "principal_id"])
    .execute();
  await sql`insert into usage_principal_monthly (domain_id, month, principal_id, count)
    select domain_id, month, principal_id, sum(count) from usage_monthly
    group by domain_id, month, principal_id`.execute(db);

  await db.schema
    .createTable("usage_domain_daily")
    .addColumn("domain_id", "text", (c) => c.notNull())
    .addColumn("day", "text", (c) => c.notNull())
    .addColumn("count", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("usage_domain_daily_pk", ["domain_id", "day"])
    .execute();
  await sql`insert into usage_domain_daily (domain_id, day, count)
    select domain_id, ${dayOfHour}, sum(count) from usage_counts group by domain_id, ${dayOfHour}`.execute(
    db,
  );

  // Who used a key, all time: one row per principal and operation, with the hour of last use.
  await db.schema
    .createTable("usage_key_principal")
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("principal_id", "text", (c) => c.notNull())
    .addColumn("operation", "text", (c) => c.notNull())
    .addColumn("count", "bigint", (c) => c.notNull())
    .addColumn("last_hour", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("usage_key_principal_pk", ["project_id", "key_id", "principal_id", "operation"])
    .execute();
  await sql`insert into usage_key_principal (project_id, key_id, principal_id, operation, count, last_hour)
    select project_id, key_id, principal_id, operation, sum(count), max(hour) from usage_counts
    group by project_id, key_id, principal_id, operation`.execute(db);

  // Hosting bills read every custom key version of a domain: both sides of that join from indexes alone.
  await db.schema
    .createIndex("keys_domain")
    .on("keys")
    .columns([
      "domain_id",
      "is_default",
      "id",
      "project_id",
      "alias",
      "state",
      "destroyed_at",
      "deletion_scheduled_at",
    ])
    .execute();
  await db.schema
    .createIndex("key_versions_created")
    .on("key_versions")
    .columns(["key_id", "version", "created_at"])
    .execute();

  // Search totals count two prefix ranges (alias, ID); these indexes answer them without the table.
  const filterColumns = ["state", "spec", "is_default", "service"];
  await db.schema
    .createIndex("keys_search_alias")
    .on("keys")
    .columns(["project_id", "destroyed_at", "alias", ...filterColumns])
    .execute();
  await db.schema
    .createIndex("keys_search_id")
    .on("keys")
    .columns(["project_id", "destroyed_at", "id", "alias", ...filterColumns])
    .execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id_hash", "text", (c) => c.primaryKey())
    .addColumn("principal_id", "text", (c) => c.notNull())
    .addColumn("domain_id", "text", (c) => c.notNull())
    .addColumn("username", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("csrf_token", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sessions_expires").on("sessions").column("expires_at").execute();

  // The audit feed's cursor. Existing events are numbered in time order.
  await db.schema.alterTable("audit_events").addColumn("seq", "bigint").execute();
  await sql`update audit_events set seq = (
    select n from (select id, row_number() over (order by time, id) as n from audit_events) numbered
    where numbered.id = audit_events.id)`.execute(db);
  await db.schema.createIndex("audit_seq").on("audit_events").column("seq").unique().execute();
  await db.schema
    .createIndex("audit_project_seq")
    .on("audit_events")
    .columns(["project_id", "seq"])
    .execute();

  // Live keys per project and filter bucket; service is '' for custom keys (a key column cannot be null).
  await db.schema
    .createTable("key_counts")
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.modifyFront(binary).notNull())
    .addColumn("spec", "text", (c) => c.modifyFront(binary).notNull())
    .addColumn("is_default", "integer", (c) => c.notNull())
    .addColumn("service", "text", (c) => c.notNull())
    .addColumn("count", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("key_counts_pk", ["project_id", "state", "spec", "is_default", "service"])
    .execute();
  await sql`insert into key_counts (project_id, state, spec, is_default, service, count)
    select project_id, state, spec, is_default, coalesce(service, ''), count(*) from keys
    where destroyed_at is null group by project_id, state, spec, is_default, coalesce(service, '')`.execute(
    db,
  );
  for (const statement of isPg ? POSTGRES_KEY_COUNT_TRIGGERS : SQLITE_KEY_COUNT_TRIGGERS) {
    await sql.raw(statement).execute(db);
  }
}

// Triggers rather than code: every write to keys (any store instance, any process, a raw insert in
// a test) keeps the counters in the same transaction as the row.
const SQLITE_KEY_COUNT_TRIGGERS = [
  `create trigger keys_count_insert after insert on keys when new.destroyed_at is null begin
    insert into key_counts (project_id, state, spec, is_default, service, count)
    values (new.project_id, new.state, new.spec, new.is_default, coalesce(new.service, ''), 1)
    on conflict (project_id, state, spec, is_default, service) do update set count = count + 1;
  end`,
  `create trigger keys_count_update after update of state, destroyed_at on keys
  when old.state is not new.state or (old.destroyed_at is null) <> (new.destroyed_at is null) begin
    update key_counts set count = count - 1
    where old.destroyed_at is null and project_id = old.project_id and state = old.state
      and spec = old.spec and is_default = old.is_default and service = coalesce(old.service, '');
    insert into key_counts (project_id, state, spec, is_default, service, count)
    select new.project_id, new.state, new.spec, new.is_default, coalesce(new.service, ''), 1
    where new.destroyed_at is null
    on conflict (project_id, state, spec, is_default, service) do update set count = count + 1;
  end`,
  `create trigger keys_count_delete after delete on keys when old.destroyed_at is null begin
    update key_counts set count = count - 1
    where project_id = old.project_id and state = old.state and spec = old.spec
      and is_default = old.is_default and service = coalesce(old.service, '');
  end`,
];

// Every change to a key or a version, by any connection or process, moves the epoch in its own
// transaction. Inserting a key needs no bump: a lookup that found nothing is never cached.
const SQLITE_KEY_EPOCH_TRIGGERS = [
  ["keys", "update"],
  ["keys", "delete"],
  ["key_versions", "insert"],
  ["key_versions", "update"],
  ["key_versions", "delete"],
].map(
  ([table, op]) =>
    `create trigger key_epoch_${table}_${op} after ${op} on ${table} begin
      update key_epoch set value = value + 1;
    end`,
);

// PostgreSQL moves the epoch at commit (deferred constraint triggers), not at the change: the
// epoch row is then the last lock a transaction takes, held only while it commits, so transactions
// that change keys queue on it briefly and no order of their other locks can deadlock on it. The
// move is still part of the transaction, seen with the change or not at all. New keys and new versions need no move (a lookup that found nothing is never cached, and
// a new current version is an update of its key), so creating keys never waits for the epoch row.
const POSTGRES_KEY_EPOCH = [
  `create function key_epoch_move() returns trigger language plpgsql as $$
  begin
    update key_epoch set value = value + 1 where id = 1;
    return null;
  end $$`,
  ...[
    ["keys", "update or delete"],
    ["key_versions", "update or delete"],
  ].map(
    ([table, events]) =>
      `create constraint trigger key_epoch_${table} after ${events} on ${table}
      deferrable initially deferred for each row execute function key_epoch_move()`,
  ),
];

const POSTGRES_KEY_COUNT_TRIGGERS = [
  `create function key_counts_add(p text, st text, sp text, d integer, sv text, n bigint) returns void
  language sql as $$
    insert into key_counts (project_id, state, spec, is_default, service, count)
    values (p, st, sp, d, coalesce(sv, ''), n)
    on conflict (project_id, state, spec, is_default, service)
    do update set count = key_counts.count + excluded.count
  $$`,
  // A state change touches two counter rows; taking them in state order means two transactions
  // moving keys between the same two states in opposite directions cannot deadlock.
  `create function key_counts_track() returns trigger language plpgsql as $$
  begin
    if tg_op = 'INSERT' then
      if new.destroyed_at is null then
        perform key_counts_add(new.project_id, new.state, new.spec, new.is_default, new.service, 1);
      end if;
    elsif tg_op = 'DELETE' then
      if old.destroyed_at is null then
        perform key_counts_add(old.project_id, old.state, old.spec, old.is_default, old.service, -1);
      end if;
    elsif old.destroyed_at is null and new.destroyed_at is null and new.state < old.state then
      perform key_counts_add(new.project_id, new.state, new.spec, new.is_default, new.service, 1);
      perform key_counts_add(old.project_id, old.state, old.spec, old.is_default, old.service, -1);
    else
      if old.destroyed_at is null then
        perform key_counts_add(old.project_id, old.state, old.spec, old.is_default, old.service, -1);
      end if;
      if new.destroyed_at is null then
        perform key_counts_add(new.project_id, new.state, new.spec, new.is_default, new.service, 1);
      end if;
    end if;
    return null;
  end $$`,
  `create trigger keys_count_insert_delete after insert or delete on keys
  for each row execute function key_counts_track()`,
  `create trigger keys_count_update after update of state, destroyed_at on keys for each row
  when (old.state is distinct from new.state or old.destroyed_at is distinct from new.destroyed_at)
  execute function key_counts_track()`,
];
