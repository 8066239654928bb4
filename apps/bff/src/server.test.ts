import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { readConfig } from "@kms/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoProjectCheck, type RunningBff, readBffConfig, serve } from "./server.js";

const dir = mkdtempSync(path.join(tmpdir(), "bff-demo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("demoProjectCheck", () => {
  it("is true only for the project named in <dataDir>/demo.json, and false without the file", () => {
    const isDemo = demoProjectCheck(dir);
    expect(isDemo("p1")).toBe(false);
    writeFileSync(
      path.join(dir, "demo.json"),
      JSON.stringify({ seededAt: new Date().toISOString(), projectId: "p1" }),
    );
    expect(isDemo("p1")).toBe(true);
    expect(isDemo("p2")).toBe(false);
    writeFileSync(path.join(dir, "demo.json"), "not json");
    expect(isDemo("p1")).toBe(false);
  });
});

/** Writes raw bytes to the server and collects what comes back until it closes the connection. */
function rawExchange(
  url: string,
  head: string,
  opts: { maxMs: number },
): Promise<{ text: string; ms: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let text = "";
    const socket = net.connect(Number(port), hostname, () => socket.write(head));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${opts.maxMs} ms; got: ${text.slice(0, 200)}`));
    }, opts.maxMs);
    socket.on("data", (c) => {
      text += c.toString("latin1");
    });
    socket.on("error", () => {}); // a reset after the answer is fine; the answer is what counts
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text, ms: Date.now() - started });
    });
  });
}

describe("the listening BFF, over raw sockets", () => {
  let running: RunningBff;
  const dataDir = mkdtempSync(path.join(tmpdir(), "bff-serve-"));
  beforeAll(async () => {
    running = await serve(
      { ...readBffConfig({ PORT: "0" }), staticDir: undefined, requestTimeoutMs: 500 },
      readConfig({ KMS_DATA_DIR: dataDir }),
      () => {},
    );
  }, 30_000);
  afterAll(async () => {
    await running?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses a body declared over the limit at once, reading none of it, and closes", async () => {
    const head = [
      "POST /api/session HTTP/1.1",
      "Host: 127.0.0.1",
      "Content-Type: application/json",
      `Content-Length: ${200 * 1024 * 1024}`,
      "",
      "",
    ].join("\r\n");
    // Not one body byte is sent: an answer proves the server did not wait to read 200 MB.
    const { text } = await rawExchange(running.url, head, { maxMs: 5_000 });
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toMatch(/connection: close/i);
    expect(text).toContain('"code":"KMS.0203"');
  });

  it("answers 408 and closes when a declared body never arrives", async () => {
    const head = [
      "POST /api/session HTTP/1.1",
      "Host: 127.0.0.1",
      "Content-Type: application/json",
      "Content-Length: 100",
      "",
      '{"username":',
    ].join("\r\n");
    const { text, ms } = await rawExchange(running.url, head, { maxMs: 5_000 });
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThanOrEqual(400);
  });

  it("marks every API answer no-store, the session's CSRF token included", async () => {
    const res = await fetch(`${running.url}/api/session`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const health = await fetch(`${running.url}/api/health`);
    expect(health.headers.get("cache-control")).toBe("no-store");
  });
});
