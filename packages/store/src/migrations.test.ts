import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, Migrator, sql } from "kysely";
import { expect, it } from "vitest";
import { migrationProvider } from "./migrations.js";
import { openSqliteStore } from "./sqlite.js";
import { sqliteDialect } from "./sqlite-driver.js";

it("0007 gives each user its old role in the projects it holds credentials in, and drops the old column", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kms-migrate-"));
  const file = join(dir, "kms.db");
  try {
    // A database as 0006 left it: one role per user.
    const connection = new BetterSqlite3(file);
    connection.pragma("journal_mode = WAL");
    const db = new Kysely<unknown>({ dialect: sqliteDialect(connection, file).dialect });
    const migrator = new Migrator({ db, provider: migrationProvider("sqlite") });
    expect((await migrator.migrateTo("0006_usage_journal_folds")).error).toBeUndefined();
    await sql`insert into projects (id, domain_id, name, region, created_at)
      values ('p1', 'd', 'default', 'r', 1), ('p2', 'd', 'staging', 'r', 2)`.execute(db);
    await sql`insert into principals (id, domain_id, kind, name, role, service, password_hash, created_at) values
      ('u-admin', 'd', 'user', 'admin', 'admin', null, 'h', 1),
      ('u-viewer2', 'd', 'user', 'viewer-staging', 'viewer', null, 'h', 2),
      ('s-obs', 'd', 'service', 'obs', null, 'obs', null, 1)`.execute(db);
    await sql`insert into credentials (access_key, wrapped_secret_key, project_id, principal_id, created_at) values
      ('AK1', x'00', 'p1', 'u-admin', 1), ('AK2', x'00', 'p2', 'u-viewer2', 2), ('AK3', x'00', 'p1', 's-obs', 1)`.execute(
      db,
    );
    await db.destroy();

    const store = await openSqliteStore(file);
    try {
      expect((await store.listProjectRoles("u-admin")).map((r) => [r.project.id, r.role])).toEqual([
        ["p1", "admin"],
      ]);
      expect((await store.listProjectRoles("u-viewer2")).map((r) => [r.project.id, r.role])).toEqual([
        ["p2", "viewer"],
      ]);
      expect(await store.listProjectRoles("s-obs")).toEqual([]);
      expect((await store.getCredential("AK1"))?.principal).toEqual({
        kind: "user",
        id: "u-admin",
        name: "admin",
        role: "admin",
      });
      expect((await store.getCredential("AK3"))?.principal.kind).toBe("service");
    } finally {
      await store.close();
    }
    const check = new BetterSqlite3(file, { readonly: true });
    const columns = (table: string) =>
      (check.prepare(`select name from pragma_table_info('${table}')`).all() as Array<{ name: string }>).map(
        (c) => c.name,
      );
    expect(columns("principals")).not.toContain("role");
    expect(columns("sessions")).not.toContain("role");
    check.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
