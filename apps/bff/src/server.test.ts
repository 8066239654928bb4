import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { demoProjectCheck } from "./server.js";

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
