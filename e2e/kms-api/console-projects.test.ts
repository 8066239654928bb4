/**
 * The console's project boundary, tried from outside as an attacker would: `kms add-project` and
 * the console's BFF run as real processes on one SQLite data directory, and every project-scoped
 * route the BFF's own OpenAPI document lists is called for a project the user has no role in.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI_PATH, freePort } from "./support/server.js";
import { cleanupAfterAll, tempDir } from "./support/temp.js";

const BFF_MAIN = new URL("../../apps/bff/dist/main.js", import.meta.url).pathname;

interface UserCredentials {
  username?: string;
  password: string;
}
interface CredentialsFile {
  projectId: string;
  users: Record<"admin" | "viewer", UserCredentials>;
  projects: Array<{ projectId: string; name: string; users: Record<"admin" | "viewer", UserCredentials> }>;
}

interface Console {
  username: string;
  csrf: string;
  call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown; text: string }>;
}

const defer = cleanupAfterAll();
let baseUrl = "";
let creds: CredentialsFile;
let dataDir = "";

async function startBff(dataDir: string): Promise<void> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [BFF_MAIN], {
    env: { ...process.env, KMS_DATA_DIR: dataDir, PORT: String(port), NODE_ENV: "production" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let output = "";
  child.stderr?.on("data", (c: Buffer) => {
    output = (output + c.toString("utf8")).slice(-16_000);
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  defer(async () => {
    child.kill("SIGTERM");
    await exited;
  });
  baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the BFF exited:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the BFF did not answer in time:\n${output}`);
    const ok = await fetch(`${baseUrl}/api/openapi.json`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function signIn(user: UserCredentials, fallbackName: string): Promise<Console> {
  const username = user.username ?? fallbackName;
  const res = await fetch(`${baseUrl}/api/session`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password: user.password }),
  });
  expect(res.status, `sign-in of ${username}`).toBe(201);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return {
    username,
    csrf: csrfToken,
    async call(method, path, body) {
      const r = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          Cookie: cookie,
          "X-CSRF-Token": csrfToken,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await r.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // CSV or an event stream
      }
      return { status: r.status, body: parsed, text };
    },
  };
}

/**
 * A valid request for every project-scoped route, so that only the project can be the reason for a
 * refusal. The test fails when the OpenAPI document lists a project-scoped route missing here.
 */
const VALID_REQUESTS: Record<string, { query?: string; body?: unknown }> = {
  "get /api/keys": {},
  "post /api/keys": { body: { alias: "planted-by-intruder" } },
  "get /api/keys.csv": {},
  "get /api/keys/{id}": {},
  "patch /api/keys/{id}": { body: { description: "changed by intruder" } },
  "post /api/keys/{id}/enable": {},
  "post /api/keys/{id}/disable": {},
  "post /api/keys/{id}/schedule-deletion": { body: { pendingDays: 7 } },
  "post /api/keys/{id}/cancel-deletion": {},
  "put /api/keys/{id}/tags": { body: { tags: [{ key: "owner", value: "intruder" }] } },
  "put /api/keys/{id}/rotation": { body: { enabled: true, intervalDays: 30 } },
  "post /api/keys/{id}/rotate": {},
  "post /api/keys/{id}/encrypt": { body: { plaintext: "exfiltrate" } },
  "post /api/keys/{id}/decrypt": { body: { ciphertext: "AAAA" } },
  "get /api/keys/{id}/usage": { query: "&granularity=day" },
  "get /api/keys/{id}/dependents": {},
  "get /api/usage": {},
  "get /api/usage.csv": {},
  "get /api/billing": {},
  "get /api/audit": {},
  "get /api/events": {},
  "get /api/default-keys/catalog": {},
};

async function projectScopedRoutes(): Promise<Array<{ method: string; path: string }>> {
  const doc = (await (await fetch(`${baseUrl}/api/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([, op]) => op.parameters?.some((p) => p.name === "projectId" && p.in === "query"))
      .map(([method]) => ({ method, path })),
  );
}

/** Calls every project-scoped route as `intruder` on `projectId` and key `keyId`; returns the answers. */
async function tryEveryRoute(intruder: Console, projectId: string, keyId: string) {
  const routes = await projectScopedRoutes();
  const answers: Array<{ route: string; status: number; code: unknown }> = [];
  for (const { method, path } of routes) {
    const route = `${method} ${path}`;
    const request = VALID_REQUESTS[route];
    expect(request, `a valid request for ${route}`).toBeDefined();
    const url = `${path.replace("{id}", keyId)}?projectId=${projectId}${request?.query ?? ""}`;
    const res = await intruder.call(method.toUpperCase(), url, request?.body);
    const code = (res.body as { error?: { code?: string } })?.error?.code;
    answers.push({ route, status: res.status, code });
  }
  return answers;
}

describe("console project boundary (real BFF process, SQLite)", () => {
  let defaultAdmin: Console;
  let defaultViewer: Console;
  let stagingAdmin: Console;
  let stagingViewer: Console;
  let defaultKey: { id: string; snapshot: unknown };
  let stagingKey: string;

  beforeAll(async () => {
    const dir = await tempDir("console-projects");
    defer(dir.remove);
    dataDir = dir.path;
    // The first command bootstraps the data directory (default project) and then adds `staging`.
    await promisify(execFile)(process.execPath, [CLI_PATH, "add-project", "--name", "staging"], {
      env: { ...process.env, KMS_DATA_DIR: dir.path },
    });
    creds = JSON.parse(await readFile(`${dir.path}/credentials.json`, "utf8")) as CredentialsFile;
    await startBff(dir.path);
    const staging = creds.projects[0];
    if (!staging) throw new Error("add-project wrote no project");
    defaultAdmin = await signIn(creds.users.admin, "admin");
    defaultViewer = await signIn(creds.users.viewer, "viewer");
    // Exactly the credentials add-project wrote: the sign-in name is in the file.
    stagingAdmin = await signIn(staging.users.admin, "");
    stagingViewer = await signIn(staging.users.viewer, "");

    const created = await defaultAdmin.call("POST", `/api/keys?projectId=${creds.projectId}`, {
      alias: "payroll",
      description: "default project's secret",
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    defaultKey = {
      id,
      snapshot: (await defaultAdmin.call("GET", `/api/keys/${id}?projectId=${creds.projectId}`)).body,
    };
    const other = await stagingAdmin.call("POST", `/api/keys?projectId=${staging.projectId}`, {
      alias: "staging-key",
    });
    expect(other.status).toBe(201);
    stagingKey = (other.body as { id: string }).id;
  });

  it("an add-project admin signs in with the printed credentials and sees only its project", async () => {
    const staging = creds.projects[0]!;
    expect(stagingAdmin.username).toBe("admin-staging");
    const session = await stagingAdmin.call("GET", "/api/session");
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({
      username: "admin-staging",
      projectId: staging.projectId,
      projects: [{ id: staging.projectId, name: "staging", role: "admin" }],
    });
    expect((session.body as { projects: unknown[] }).projects).toHaveLength(1);
    const projects = await stagingViewer.call("GET", "/api/projects");
    expect(projects.body).toEqual({
      items: [
        { id: staging.projectId, name: "staging", region: expect.any(String), role: "viewer", demo: false },
      ],
    });
    const own = await defaultViewer.call("GET", "/api/session");
    expect((own.body as { projects: Array<{ id: string }> }).projects.map((p) => p.id)).toEqual([
      creds.projectId,
    ]);
  });

  it.each([
    ["staging's admin", () => stagingAdmin, () => creds.projectId, () => defaultKey.id],
    ["staging's viewer", () => stagingViewer, () => creds.projectId, () => defaultKey.id],
    ["the default project's admin", () => defaultAdmin, () => creds.projects[0]!.projectId, () => stagingKey],
  ])(
    "%s gets 403 KMS.0306 from every project-scoped route of another project",
    async (_who, user, project, key) => {
      const answers = await tryEveryRoute(user(), project(), key());
      expect(answers.length).toBe(Object.keys(VALID_REQUESTS).length);
      expect(answers.filter((a) => a.status !== 403 || a.code !== "KMS.0306")).toEqual([]);
    },
  );

  it("the refused calls changed nothing in the other project", async () => {
    const after = await defaultAdmin.call("GET", `/api/keys/${defaultKey.id}?projectId=${creds.projectId}`);
    // Everything but the usage figures, which the owner's own reads move.
    const { requestsThisMonth: _a, lastUsedAt: _b, ...state } = after.body as Record<string, unknown>;
    const {
      requestsThisMonth: _c,
      lastUsedAt: _d,
      ...before
    } = defaultKey.snapshot as Record<string, unknown>;
    expect(state).toEqual(before);
    const list = await defaultAdmin.call("GET", `/api/keys?projectId=${creds.projectId}&q=planted`);
    expect((list.body as { items: unknown[] }).items).toEqual([]);
  });

  it("the same routes work for the project's own users (so the refusals above are about the project)", async () => {
    const own = await stagingViewer.call(
      "GET",
      `/api/keys/${stagingKey}?projectId=${creds.projects[0]!.projectId}`,
    );
    expect(own.status).toBe(200);
    const billing = await stagingViewer.call("GET", `/api/billing?projectId=${creds.projects[0]!.projectId}`);
    expect(billing.status).toBe(200);
    // The account's bill as staging sees it: no line names a key of the default project.
    expect(billing.text).not.toContain(defaultKey.id);
    expect(billing.text).not.toContain("payroll");
    const usage = await stagingViewer.call("GET", `/api/usage?projectId=${creds.projects[0]!.projectId}`);
    expect(usage.status).toBe(200);
    expect(usage.text).not.toContain(defaultKey.id);
  });

  it("kms set-role gives a user a role in another project, takes effect at once, and takes it away", async () => {
    const staging = creds.projects[0]!.projectId;
    const setRole = (...args: string[]) =>
      promisify(execFile)(process.execPath, [CLI_PATH, "set-role", ...args], {
        env: { ...process.env, KMS_DATA_DIR: dataDir },
      });
    await setRole("--user", "admin", "--project", "staging", "--role", "viewer");
    const session = await defaultAdmin.call("GET", "/api/session");
    expect((session.body as { projects: Array<{ id: string; role: string }> }).projects).toEqual([
      expect.objectContaining({ id: creds.projectId, role: "admin" }),
      expect.objectContaining({ id: staging, role: "viewer" }),
    ]);
    expect((await defaultAdmin.call("GET", `/api/keys/${stagingKey}?projectId=${staging}`)).status).toBe(200);
    // Admin at home, viewer there: a mutation in staging is refused.
    const disable = await defaultAdmin.call("POST", `/api/keys/${stagingKey}/disable?projectId=${staging}`);
    expect(disable.status).toBe(403);

    await setRole("--user", "admin", "--project", staging, "--role", "none");
    expect((await defaultAdmin.call("GET", `/api/keys/${stagingKey}?projectId=${staging}`)).status).toBe(403);
    await expect(
      setRole("--user", "nobody", "--project", "staging", "--role", "viewer"),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("No user named nobody"),
    });
    await expect(setRole("--user", "admin", "--project", "staging", "--role", "owner")).rejects.toMatchObject(
      {
        code: 2,
      },
    );
  });
});
