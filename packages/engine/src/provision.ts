import { scrypt as scryptCallback, timingSafeEqual } from "node:crypto";
import {
  DEFAULT_KEY_CATALOG,
  type TCaller,
  type TPrincipalIdentity,
  type TProject,
  type TProjectRole,
  type TRole,
  type TServiceCode,
} from "@kms/domain";
import type { AuthenticatedCredential, ProvisionedProject } from "./api.js";
import type { EngineContext } from "./context.js";
import { KmsError } from "./errors.js";

const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM = `${UPPER_ALNUM}abcdefghijklmnopqrstuvwxyz`;
const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 };

function scrypt(
  password: string,
  salt: Buffer,
  N: number,
  r: number,
  p: number,
  keyLength: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, keyLength, { N, r, p, maxmem: 256 * N * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** Uniform characters from the alphabet (rejection sampling, no modulo bias). */
function randomString(ctx: EngineContext, alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < length) {
    for (const b of ctx.random.bytes(length * 2)) {
      if (b < limit && out.length < length) out += alphabet[b % alphabet.length];
    }
  }
  return out;
}

const hexId = (ctx: EngineContext): string => ctx.random.bytes(16).toString("hex");

/** "scrypt$N$r$p$saltB64$hashB64" */
export async function hashPassword(ctx: EngineContext, password: string): Promise<string> {
  const salt = ctx.random.bytes(16);
  const { N, r, p, keyLength } = SCRYPT;
  const hash = await scrypt(password, salt, N, r, p, keyLength);
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

export async function checkPassword(stored: string, password: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  try {
    const actual = await scrypt(
      password,
      Buffer.from(salt, "base64"),
      Number(n),
      Number(r),
      Number(p),
      expected.length,
    );
    return timingSafeEqual(actual, expected);
  } catch {
    return false; // a malformed stored hash never matches
  }
}

async function addPrincipal(
  ctx: EngineContext,
  project: TProject,
  principal: TPrincipalIdentity,
  passwordHash: string | null,
  role?: TRole,
): Promise<{ ak: string; sk: string }> {
  const now = ctx.clock.now();
  await ctx.store.insertPrincipal({ principal, domainId: project.domainId, passwordHash, createdAt: now });
  if (role) await ctx.store.setProjectRole(project.id, principal.id, role, now);
  const ak = randomString(ctx, UPPER_ALNUM, 20);
  const sk = randomString(ctx, ALNUM, 40);
  await ctx.store.insertCredential({
    accessKey: ak,
    wrappedSecretKey: ctx.rootKey.wrap(Buffer.from(sk, "utf8"), ak),
    projectId: project.id,
    principalId: principal.id,
    createdAt: now,
  });
  return { ak, sk };
}

/** Users are looked up by name within a domain, so a second project in a domain gets suffixed names. */
async function freeUserName(
  ctx: EngineContext,
  domainId: string,
  base: string,
  projectName: string,
): Promise<string> {
  if (!(await ctx.store.getUserByName(domainId, base))) return base;
  const suffix = projectName.replace(/[^a-zA-Z0-9_-]/g, "").slice(0, 32) || "project";
  for (let i = 0; ; i++) {
    const name = i === 0 ? `${base}-${suffix}` : `${base}-${suffix}-${i}`;
    if (!(await ctx.store.getUserByName(domainId, name))) return name;
  }
}

export async function provisionProject(
  ctx: EngineContext,
  input: { name: string; region: string; domainId?: string },
): Promise<ProvisionedProject> {
  const project: TProject = {
    id: hexId(ctx),
    domainId: input.domainId ?? hexId(ctx),
    name: input.name,
    region: input.region,
    createdAt: ctx.clock.now(),
  };
  await ctx.store.insertProject(project);

  const users = {} as ProvisionedProject["users"];
  for (const role of ["admin", "viewer"] as const) {
    const name = await freeUserName(ctx, project.domainId, role, project.name);
    const principal: TPrincipalIdentity = { kind: "user", id: hexId(ctx), name };
    const password = randomString(ctx, ALNUM, 24);
    const credential = await addPrincipal(ctx, project, principal, await hashPassword(ctx, password), role);
    users[role] = { principalId: principal.id, username: name, ...credential, password };
  }

  const services = {} as Record<TServiceCode, { principalId: string; ak: string; sk: string }>;
  for (const entry of DEFAULT_KEY_CATALOG) {
    const principal: TPrincipalIdentity = {
      kind: "service",
      id: hexId(ctx),
      name: entry.service,
      service: entry.service,
    };
    services[entry.service] = {
      principalId: principal.id,
      ...(await addPrincipal(ctx, project, principal, null)),
    };
  }
  return { project, users, services };
}

export async function authenticate(
  ctx: EngineContext,
  accessKey: string,
): Promise<AuthenticatedCredential | undefined> {
  const found = await ctx.store.getCredential(accessKey);
  if (!found) return undefined;
  return {
    caller: { principal: found.principal, projectId: found.credential.projectId, domainId: found.domainId },
    secretKey: ctx.rootKey.unwrap(found.credential.wrappedSecretKey, accessKey),
  };
}

/**
 * What an unknown user's password is checked against: the same scrypt work as a real hash (and
 * never a match in practice), so the answer's timing does not tell which usernames exist.
 */
const DUMMY_HASH = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${Buffer.alloc(16).toString("base64")}$${Buffer.alloc(SCRYPT.keyLength).toString("base64")}`;

export async function verifyPassword(
  ctx: EngineContext,
  domainId: string,
  username: string,
  password: string,
): Promise<TPrincipalIdentity | undefined> {
  const record = await ctx.store.getUserByName(domainId, username);
  const matches = await checkPassword(record?.passwordHash ?? DUMMY_HASH, password);
  return matches && record?.passwordHash ? record.principal : undefined;
}

/**
 * Gives a user (by sign-in name) `role` in a project of its domain, or takes its role there away
 * (null). Takes effect on the next request of either server (the KMS API within its credential
 * cache's 30 s).
 */
export async function setUserRole(
  ctx: EngineContext,
  input: { domainId: string; username: string; projectId: string; role: TRole | null },
): Promise<void> {
  const [user, project] = await Promise.all([
    ctx.store.getUserByName(input.domainId, input.username),
    ctx.store.getProject(input.projectId),
  ]);
  if (!user) throw new KmsError("KMS.0308", `No user named ${input.username} in this account.`);
  if (project?.domainId !== input.domainId)
    throw new KmsError("KMS.0308", "No such project in this account.");
  await ctx.store.setProjectRole(project.id, user.principal.id, input.role, ctx.clock.now());
}

/** The projects of the domain the user has a role in, oldest first. */
export async function projectRoles(
  ctx: EngineContext,
  domainId: string,
  principalId: string,
): Promise<TProjectRole[]> {
  const roles = await ctx.store.listProjectRoles(principalId);
  return roles.filter((r) => r.project.domainId === domainId);
}

/**
 * A console user acting in a project: the role is read from the database on every call, so a role
 * taken away ends access at once. No role there (or a project of another domain, or none at all)
 * is one and the same refusal, so the answer does not tell which projects exist.
 */
export async function userCaller(
  ctx: EngineContext,
  user: { id: string; name: string; domainId: string },
  projectId: string,
): Promise<TCaller> {
  const [project, role] = await Promise.all([
    ctx.store.getProject(projectId),
    ctx.store.getProjectRole(projectId, user.id),
  ]);
  if (!project || project.domainId !== user.domainId || !role) {
    throw new KmsError("KMS.0306", "You have no role in this project.");
  }
  return {
    principal: { kind: "user", id: user.id, name: user.name, role },
    projectId,
    domainId: user.domainId,
  };
}
