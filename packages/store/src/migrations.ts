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
  };
}
