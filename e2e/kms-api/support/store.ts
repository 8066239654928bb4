import { join } from "node:path";
import { type TKey, ZKeyListQuery } from "@kms/domain";
import type { KmsStore } from "@kms/engine";
import { openPostgresStore, openSqliteStore } from "@kms/store";

/** Where a server keeps its data: the embedded SQLite file of a data dir, or a PostgreSQL URL. */
export type StoreTarget = { kind: "sqlite"; dataDir: string } | { kind: "postgres"; url: string };

export const sqliteFile = (dataDir: string): string => join(dataDir, "kms.sqlite");

/** Opens the same store the server uses, through the store package (it migrates on open, idempotently). */
export async function openTargetStore(target: StoreTarget): Promise<KmsStore> {
  return target.kind === "sqlite"
    ? openSqliteStore(sqliteFile(target.dataDir))
    : openPostgresStore(target.url);
}

/** Every live key of a project, all pages. */
export async function allKeys(store: KmsStore, projectId: string): Promise<TKey[]> {
  const keys: TKey[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.listKeys(
      projectId,
      ZKeyListQuery.parse({ limit: 1000, ...(cursor ? { cursor } : {}) }),
      [],
    );
    keys.push(...page.items);
    if (!page.nextCursor) return keys;
    cursor = page.nextCursor;
  }
}
