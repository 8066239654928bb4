import type {
  TAuditEvent,
  TKey,
  TKeyListQueryParsed,
  TKeyPage,
  TOperation,
  TProject,
  TRole,
  TServiceCode,
  TTag,
  TUsageCount,
} from "@kms/domain";
import { keyFamily } from "@kms/domain";
import { KmsError } from "../errors.js";
import type {
  AuditFilter,
  CredentialRecord,
  GrantRecord,
  InsertGrantResult,
  InsertKeyResult,
  KeyExpectation,
  KeyPatch,
  KeyVersionRecord,
  KeyVisibility,
  KmsStore,
  PrincipalRecord,
  TagFilter,
  UpdateTagsResult,
  UsageFilter,
} from "../ports.js";
import type { AuditFeedStore, SessionRecord, SessionStore, UsageReportStore } from "../report-ports.js";

export type InMemoryStore = KmsStore & UsageReportStore & SessionStore & AuditFeedStore;

interface KeyRow {
  key: TKey;
  versions: KeyVersionRecord[];
  tags: Map<string, string>;
  destroyedAt: Date | null;
}

const copyKey = (k: TKey): TKey => structuredClone(k);
const copyVersion = (v: KeyVersionRecord): KeyVersionRecord => ({
  ...v,
  wrappedMaterial: Buffer.from(v.wrappedMaterial),
  publicKey: v.publicKey ? Buffer.from(v.publicKey) : null,
});
const copyGrant = (g: GrantRecord): GrantRecord => ({ ...g, operations: [...g.operations] });

type SortValue = string | number;
function sortValue(key: TKey, field: TKeyListQueryParsed["sort"]): SortValue {
  if (field === "createdAt") return key.createdAt.getTime();
  if (field === "lastUsedAt") return key.lastUsedAt?.getTime() ?? -1;
  return key[field];
}

const encodeCursor = (offset: number): string =>
  Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
function decodeCursor(cursor: string): number {
  try {
    const o = (JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { o?: unknown }).o;
    return typeof o === "number" && Number.isInteger(o) && o >= 0 ? o : 0;
  } catch {
    return 0;
  }
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const monthOf = (d: Date): string => d.toISOString().slice(0, 7);

const encodeFeedCursor = (seq: number): string =>
  Buffer.from(JSON.stringify({ s: seq })).toString("base64url");
function decodeFeedCursor(cursor: string): number {
  try {
    const s = (JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { s?: unknown }).s;
    if (typeof s === "number" && Number.isInteger(s) && s >= 0) return s;
  } catch {
    // falls through to the refusal
  }
  throw new KmsError("KMS.1602", "(the cursor is not valid for this feed)");
}

/**
 * A complete KmsStore in memory, for fast engine tests. Each method runs its checks and writes
 * without awaiting in between, so it is as atomic as the SQL store's transactions.
 * Paging is by offset (the cursor encodes it): fine for tests, not for 100,000 keys.
 */
export function createInMemoryStore(): InMemoryStore {
  const projects = new Map<string, TProject>();
  const principals = new Map<string, PrincipalRecord>();
  const credentials = new Map<string, CredentialRecord>();
  const keys = new Map<string, KeyRow>();
  const grants = new Map<string, GrantRecord>();
  const usage = new Map<string, TUsageCount>();
  const audits: TAuditEvent[] = [];
  const sessions = new Map<string, SessionRecord>();
  /** Role by `${projectId} ${principalId}`. */
  const roles = new Map<string, { role: TRole; createdAt: Date }>();
  const roleKey = (projectId: string, principalId: string) => `${projectId} ${principalId}`;

  const live = (projectId: string, keyId: string): KeyRow | undefined => {
    const row = keys.get(keyId);
    return row && row.key.projectId === projectId && !row.destroyedAt ? row : undefined;
  };
  const liveRows = (projectId: string): KeyRow[] =>
    [...keys.values()].filter((r) => r.key.projectId === projectId && !r.destroyedAt);
  const visibleRows = (projectId: string, visibleTo: KeyVisibility | undefined): KeyRow[] =>
    liveRows(projectId).filter(
      ({ key }) =>
        !visibleTo ||
        (key.isDefault && key.service === visibleTo.service) ||
        [...grants.values()].some((g) => g.keyId === key.id && g.granteePrincipal === visibleTo.principalId),
    );
  const aliasTaken = (projectId: string, alias: string, exceptId?: string): boolean =>
    liveRows(projectId).some((r) => r.key.alias === alias && r.key.id !== exceptId);
  const tagsOf = (row: KeyRow): TTag[] => [...row.tags].map(([key, value]) => ({ key, value }));

  const store: InMemoryStore = {
    async migrate() {},
    async close() {},

    async insertProject(project) {
      projects.set(project.id, { ...project });
    },
    async getProject(projectId) {
      const p = projects.get(projectId);
      return p && { ...p };
    },
    async listProjects() {
      return [...projects.values()].map((p) => ({ ...p }));
    },
    async insertPrincipal(record) {
      principals.set(record.principal.id, structuredClone(record));
    },
    async getPrincipal(principalId) {
      const p = principals.get(principalId);
      return p && structuredClone(p);
    },
    async getUserByName(domainId, name) {
      const found = [...principals.values()].find(
        (p) => p.domainId === domainId && p.principal.kind === "user" && p.principal.name === name,
      );
      return found && structuredClone(found);
    },
    async insertCredential(record) {
      credentials.set(record.accessKey, {
        ...record,
        wrappedSecretKey: Buffer.from(record.wrappedSecretKey),
      });
    },
    async getCredential(accessKey) {
      const credential = credentials.get(accessKey);
      const record = credential && principals.get(credential.principalId);
      if (!credential || !record) return undefined;
      const identity = structuredClone(record.principal);
      const role = roles.get(roleKey(credential.projectId, identity.id))?.role;
      if (identity.kind === "user" && !role) return undefined;
      return {
        credential: { ...credential, wrappedSecretKey: Buffer.from(credential.wrappedSecretKey) },
        principal: identity.kind === "user" ? { ...identity, role: role as TRole } : identity,
        domainId: record.domainId,
      };
    },
    async setProjectRole(projectId, principalId, role, now) {
      const k = roleKey(projectId, principalId);
      if (role === null) roles.delete(k);
      else roles.set(k, { role, createdAt: roles.get(k)?.createdAt ?? now });
    },
    async getProjectRole(projectId, principalId) {
      return roles.get(roleKey(projectId, principalId))?.role;
    },
    async listProjectRoles(principalId) {
      return [...projects.values()]
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))
        .flatMap((p) => {
          const found = roles.get(roleKey(p.id, principalId));
          return found ? [{ project: { ...p }, role: found.role }] : [];
        });
    },

    async insertKey(key, version, maxCustomKeys, tags = []): Promise<InsertKeyResult> {
      if (aliasTaken(key.projectId, key.alias)) return "alias_taken";
      const custom = liveRows(key.projectId).filter((r) => !r.key.isDefault).length;
      if (!key.isDefault && custom >= maxCustomKeys) return "quota_exceeded";
      keys.set(key.id, {
        key: copyKey(key),
        versions: [copyVersion(version)],
        tags: new Map(tags.map((t) => [t.key, t.value])),
        destroyedAt: null,
      });
      return "ok";
    },
    async insertDefaultKey(key, version) {
      const existing = liveRows(key.projectId).find((r) => r.key.isDefault && r.key.service === key.service);
      if (existing) return copyKey(existing.key);
      keys.set(key.id, {
        key: copyKey(key),
        versions: [copyVersion(version)],
        tags: new Map(),
        destroyedAt: null,
      });
      return copyKey(key);
    },
    async getKey(projectId, keyId) {
      const row = live(projectId, keyId);
      return row && copyKey(row.key);
    },
    async getDefaultKey(projectId, service: TServiceCode) {
      const row = liveRows(projectId).find((r) => r.key.isDefault && r.key.service === service);
      return row && copyKey(row.key);
    },
    async getKeyWithVersion(projectId, keyId, version) {
      const row = live(projectId, keyId);
      const v = row?.versions.find((x) => x.version === (version ?? row.key.currentVersion));
      return row && v ? { key: copyKey(row.key), version: copyVersion(v) } : undefined;
    },
    async listKeyVersions(keyId) {
      const row = keys.get(keyId);
      return row && !row.destroyedAt ? row.versions.map(copyVersion) : [];
    },
    async listKeys(projectId, query, hiddenServices, visibleTo): Promise<TKeyPage> {
      const matches = visibleRows(projectId, visibleTo)
        .map((r) => r.key)
        .filter((k) => {
          if (query.states && !query.states.includes(k.state)) return false;
          if (query.specs && !query.specs.includes(k.spec)) return false;
          if (query.kind === "default" && !k.isDefault) return false;
          if (query.kind === "custom" && k.isDefault) return false;
          if (!query.includeHidden && k.isDefault && hiddenServices.includes(k.service as TServiceCode))
            return false;
          if (query.search && !k.alias.startsWith(query.search) && !k.id.startsWith(query.search))
            return false;
          return true;
        });
      const direction = query.order === "asc" ? 1 : -1;
      matches.sort((a, b) => {
        const va = sortValue(a, query.sort);
        const vb = sortValue(b, query.sort);
        if (va !== vb) return (va < vb ? -1 : 1) * direction;
        return (a.id < b.id ? -1 : 1) * direction;
      });
      const start = query.cursor !== undefined ? decodeCursor(query.cursor) : (query.offset ?? 0);
      const items = matches.slice(start, start + query.limit).map(copyKey);
      const next = start + query.limit;
      return { items, nextCursor: next < matches.length ? encodeCursor(next) : null, total: matches.length };
    },
    async countCustomKeys(projectId) {
      return liveRows(projectId).filter((r) => !r.key.isDefault).length;
    },
    async updateKey(projectId, keyId, expect: KeyExpectation, patch: KeyPatch) {
      const row = live(projectId, keyId);
      if (!row) return undefined;
      if (expect.states && !expect.states.includes(row.key.state)) return undefined;
      if (expect.currentVersion !== undefined && expect.currentVersion !== row.key.currentVersion)
        return undefined;
      if (patch.alias !== undefined && aliasTaken(projectId, patch.alias, keyId)) return "alias_taken";
      row.key = { ...row.key, ...structuredClone(patch) };
      return copyKey(row.key);
    },
    async addKeyVersion(projectId, version, patch) {
      const row = live(projectId, version.keyId);
      if (!row || row.key.currentVersion !== version.version - 1) return undefined;
      row.versions.push(copyVersion(version));
      row.key = { ...row.key, ...structuredClone(patch) };
      return copyKey(row.key);
    },
    async listDueRotations(now, limit, afterKeyId) {
      return [...keys.values()]
        .filter(
          ({ key: k, destroyedAt }) =>
            !destroyedAt &&
            k.state === "enabled" &&
            !k.isDefault &&
            k.origin === "kms" &&
            keyFamily(k.spec) === "symmetric" &&
            k.rotation.enabled &&
            (k.rotation.lastRotatedAt ?? k.createdAt).getTime() + k.rotation.intervalDays * 86_400_000 <=
              now.getTime() &&
            (afterKeyId === undefined || k.id > afterKeyId),
        )
        .sort((a, b) => (a.key.id < b.key.id ? -1 : 1))
        .slice(0, limit)
        .map((r) => ({ projectId: r.key.projectId, keyId: r.key.id }));
    },
    async listDueDeletions(now, limit) {
      return [...keys.values()]
        .filter((r) => !r.destroyedAt && r.key.state === "pending_deletion" && r.key.deletionDate! <= now)
        .sort((a, b) => a.key.deletionDate!.getTime() - b.key.deletionDate!.getTime())
        .slice(0, limit)
        .map((r) => ({ projectId: r.key.projectId, keyId: r.key.id }));
    },
    async destroyKey(projectId, keyId, now) {
      const row = live(projectId, keyId);
      const due =
        row?.key.state === "pending_deletion" && row.key.deletionDate !== null && row.key.deletionDate <= now;
      if (!row || !due) return false;
      row.destroyedAt = now;
      row.versions = row.versions.map((v) => ({ ...v, wrappedMaterial: Buffer.alloc(0) }));
      for (const [id, g] of grants) if (g.keyId === keyId) grants.delete(id);
      return true;
    },

    async getTags(keyId) {
      const row = keys.get(keyId);
      return row && !row.destroyedAt ? tagsOf(row) : [];
    },
    async updateTags(keyId, add, remove, maxTags): Promise<UpdateTagsResult> {
      const row = keys.get(keyId);
      if (!row || row.destroyedAt) return "not_found";
      const next = new Map(row.tags);
      for (const t of add) next.set(t.key, t.value);
      for (const k of remove) next.delete(k);
      if (next.size > maxTags) return "too_many";
      row.tags = next;
      return "ok";
    },
    async listProjectTags(projectId, visibleTo): Promise<TagFilter[]> {
      const byKey = new Map<string, Set<string>>();
      for (const row of visibleRows(projectId, visibleTo)) {
        for (const [k, v] of row.tags) byKey.set(k, (byKey.get(k) ?? new Set()).add(v));
      }
      return [...byKey].map(([key, values]) => ({ key, values: [...values] }));
    },
    async listKeysByTags(projectId, filters, aliasContains, offset, limit, visibleTo) {
      const matches = visibleRows(projectId, visibleTo)
        .filter((r) => filters.every((f) => f.values.includes(r.tags.get(f.key) ?? "\u0000")))
        .filter((r) => !aliasContains || r.key.alias.includes(aliasContains))
        .sort((a, b) => a.key.createdAt.getTime() - b.key.createdAt.getTime());
      return {
        items: matches.slice(offset, offset + limit).map((r) => ({ key: copyKey(r.key), tags: tagsOf(r) })),
        total: matches.length,
      };
    },

    async insertGrant(grant, maxPerKey): Promise<InsertGrantResult> {
      const count = [...grants.values()].filter((g) => g.keyId === grant.keyId).length;
      if (count >= maxPerKey) return "too_many";
      if (grant.parentGrantId !== null && !grants.has(grant.parentGrantId)) return "parent_revoked";
      grants.set(grant.id, copyGrant(grant));
      return "ok";
    },
    async getGrant(grantId) {
      const g = grants.get(grantId);
      return g && copyGrant(g);
    },
    async listGrants(keyId, offset, limit) {
      const all = [...grants.values()].filter((g) => g.keyId === keyId);
      return { items: all.slice(offset, offset + limit).map(copyGrant), total: all.length };
    },
    async listRetirableGrants(projectId, retiringPrincipal, offset, limit) {
      const all = [...grants.values()].filter(
        (g) => g.projectId === projectId && g.retiringPrincipal === retiringPrincipal,
      );
      return { items: all.slice(offset, offset + limit).map(copyGrant), total: all.length };
    },
    async deleteGrant(grantId) {
      if (!grants.has(grantId)) return [];
      const chain = [grantId];
      for (let i = 0; i < chain.length; i++) {
        for (const g of grants.values()) if (g.parentGrantId === chain[i]) chain.push(g.id);
      }
      for (const id of chain) grants.delete(id);
      return chain;
    },
    async hasGrant(keyId, principalId, operation) {
      for (const g of grants.values()) {
        if (g.keyId === keyId && g.granteePrincipal === principalId && g.operations.includes(operation))
          return true;
      }
      return false;
    },

    async recordUsage(counts, events) {
      for (const c of counts) {
        const dim = [c.projectId, c.domainId, c.keyId, c.principalId, c.operation, c.hour.getTime()].join(
          "|",
        );
        const existing = usage.get(dim);
        if (existing) existing.count += c.count;
        else usage.set(dim, { ...c, hour: new Date(c.hour) });
        const row = c.keyId ? keys.get(c.keyId) : undefined;
        if (row && (!row.key.lastUsedAt || row.key.lastUsedAt < c.hour))
          row.key.lastUsedAt = new Date(c.hour);
      }
      audits.push(...events.map((e) => structuredClone(e)));
    },
    async sumUsage(filter: UsageFilter) {
      let sum = 0;
      for (const c of usage.values()) {
        if (filter.projectId !== undefined && c.projectId !== filter.projectId) continue;
        if (filter.domainId !== undefined && c.domainId !== filter.domainId) continue;
        if (filter.keyId !== undefined && c.keyId !== filter.keyId) continue;
        if (filter.from && c.hour < filter.from) continue;
        if (filter.to && c.hour >= filter.to) continue;
        sum += c.count;
      }
      return sum;
    },
    async listAudit(filter: AuditFilter) {
      const matches = audits
        .filter(
          (e) =>
            e.projectId === filter.projectId &&
            (filter.keyId === undefined || e.keyId === filter.keyId) &&
            (filter.principalId === undefined || e.principalId === filter.principalId) &&
            (filter.operation === undefined || e.operation === filter.operation) &&
            (filter.result === undefined || e.result === filter.result),
        )
        .reverse();
      const start = filter.cursor ? decodeCursor(filter.cursor) : 0;
      const items = matches.slice(start, start + filter.limit).map((e) => structuredClone(e));
      const next = start + filter.limit;
      return { items, nextCursor: next < matches.length ? encodeCursor(next) : null };
    },

    async keyUsageSeries(projectId, keyId, from, to, granularity) {
      const step = granularity === "hour" ? HOUR_MS : DAY_MS;
      const first = Math.floor(from.getTime() / step) * step;
      const sums = new Map<string, { period: Date; operation: TOperation; count: number }>();
      for (const c of usage.values()) {
        if (c.projectId !== projectId || c.keyId !== keyId) continue;
        const period = Math.floor(c.hour.getTime() / step) * step;
        if (period < first || period >= to.getTime()) continue;
        const id = `${period}|${c.operation}`;
        const row = sums.get(id) ?? { period: new Date(period), operation: c.operation, count: 0 };
        row.count += c.count;
        sums.set(id, row);
      }
      return [...sums.values()].sort(
        (a, b) => a.period.getTime() - b.period.getTime() || (a.operation < b.operation ? -1 : 1),
      );
    },
    async keyDependents(projectId, keyId) {
      const byPrincipal = new Map<string, { requests: number; operations: Set<TOperation>; last: number }>();
      for (const c of usage.values()) {
        if (c.projectId !== projectId || c.keyId !== keyId) continue;
        const p = byPrincipal.get(c.principalId) ?? { requests: 0, operations: new Set(), last: 0 };
        p.requests += c.count;
        p.operations.add(c.operation);
        p.last = Math.max(p.last, c.hour.getTime());
        byPrincipal.set(c.principalId, p);
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
      const wanted = new Set(keyIds);
      const result = new Map<string, number>();
      for (const c of usage.values()) {
        if (c.projectId !== projectId || !wanted.has(c.keyId) || monthOf(c.hour) !== month) continue;
        result.set(c.keyId, (result.get(c.keyId) ?? 0) + c.count);
      }
      return result;
    },
    async monthUsage(domainId, month) {
      const byKey = new Map<string, { projectId: string; keyId: string; requests: number }>();
      const byPrincipal = new Map<string, number>();
      const daily = new Map<string, number>();
      for (const c of usage.values()) {
        if (c.domainId !== domainId || monthOf(c.hour) !== month) continue;
        const id = `${c.projectId}|${c.keyId}`;
        const row = byKey.get(id) ?? { projectId: c.projectId, keyId: c.keyId, requests: 0 };
        row.requests += c.count;
        byKey.set(id, row);
        byPrincipal.set(c.principalId, (byPrincipal.get(c.principalId) ?? 0) + c.count);
        const day = c.hour.toISOString().slice(0, 10);
        daily.set(day, (daily.get(day) ?? 0) + c.count);
      }
      return {
        byKey: [...byKey.values()]
          .map((r) => {
            const key = keys.get(r.keyId)?.key;
            return { ...r, alias: key?.alias ?? null, isDefault: key?.isDefault ?? false };
          })
          .sort((a, b) => b.requests - a.requests || (a.keyId < b.keyId ? -1 : 1)),
        byPrincipal: [...byPrincipal]
          .map(([principalId, requests]) => ({ principalId, requests }))
          .sort((a, b) => b.requests - a.requests || (a.principalId < b.principalId ? -1 : 1)),
        daily: [...daily]
          .map(([day, requests]) => ({ day, requests }))
          .sort((a, b) => (a.day < b.day ? -1 : 1)),
      };
    },
    async hostedVersions(domainId, from, to) {
      const out = [];
      for (const row of keys.values()) {
        const k = row.key;
        if (k.domainId !== domainId || k.isDefault) continue;
        const stopped = k.state === "pending_deletion" || row.destroyedAt !== null;
        const billedUntil = stopped && k.deletionScheduledAt ? new Date(k.deletionScheduledAt) : null;
        if (billedUntil && billedUntil <= from) continue;
        for (const v of row.versions) {
          if (v.createdAt >= to) continue;
          out.push({
            projectId: k.projectId,
            keyId: k.id,
            alias: k.alias,
            version: v.version,
            createdAt: new Date(v.createdAt),
            billedUntil,
          });
        }
      }
      return out.sort(
        (a, b) =>
          (a.projectId < b.projectId ? -1 : a.projectId > b.projectId ? 1 : 0) ||
          (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0) ||
          a.version - b.version,
      );
    },

    async insertSession(session) {
      sessions.set(session.idHash, structuredClone(session));
    },
    async getSession(idHash, now) {
      const s = sessions.get(idHash);
      return s && s.expiresAt > now ? structuredClone(s) : undefined;
    },
    async deleteSession(idHash) {
      sessions.delete(idHash);
    },
    async deleteExpiredSessions(now) {
      let n = 0;
      for (const [id, s] of sessions) {
        if (s.expiresAt <= now) {
          sessions.delete(id);
          n++;
        }
      }
      return n;
    },

    // The feed's sequence is the position in the append-only audit array (1-based).
    async auditAfter(projectId, after, limit) {
      if (after === null) {
        let last = 0;
        audits.forEach((e, i) => {
          if (e.projectId === projectId) last = i + 1;
        });
        return { items: [], cursor: encodeFeedCursor(last) };
      }
      const from = decodeFeedCursor(after);
      const items: TAuditEvent[] = [];
      let last = from;
      for (let i = from; i < audits.length && items.length < limit; i++) {
        const e = audits[i]!;
        if (e.projectId !== projectId) continue;
        items.push(structuredClone(e));
        last = i + 1;
      }
      return { items, cursor: items.length > 0 ? encodeFeedCursor(last) : after };
    },
  };
  return store;
}
