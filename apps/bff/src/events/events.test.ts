import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createHarness } from "../testing/harness.js";

describe("GET /api/events", () => {
  it("when a key is created and changed elsewhere, then the stream tells, and it ends at sign-out", async () => {
    const h = await createHarness({ events: { pollMs: 20, heartbeatMs: 50, usageEvery: 1 } });
    const s = await h.login("viewer");
    const cookie = s.cookie.split(";")[0]!;
    const server = createServer(h.app).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const { port } = server.address() as AddressInfo;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/events?projectId=${h.projectId}`, {
        headers: { cookie },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      let text = "";
      const readUntil = async (pattern: RegExp) => {
        const deadline = Date.now() + 5000;
        while (!pattern.test(text) && Date.now() < deadline) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        return pattern.test(text);
      };
      expect(await readUntil(/: connected/)).toBe(true);
      const id = await h.customKey("live");
      await h.t.kms.disableKey(h.t.admin, id);
      expect(
        await readUntil(new RegExp(`event: key-created\\ndata: \\{"type":"key-created","keyId":"${id}"`)),
      ).toBe(true);
      expect(await readUntil(/event: key-changed\ndata: .*"action":"disable-key"/)).toBe(true);
      expect(await readUntil(/event: usage/)).toBe(true);
      expect(await readUntil(/: ping/)).toBe(true);
      await s.agent.delete("/api/session").set("X-CSRF-Token", s.csrf).expect(204);
      const deadline = Date.now() + 3000;
      let ended = false;
      while (!ended && Date.now() < deadline) ended = (await reader.read()).done;
      expect(ended).toBe(true);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("when not signed in, then 401", async () => {
    const h = await createHarness();
    const { default: request } = await import("supertest");
    const res = await request(h.app).get(`/api/events?projectId=${h.projectId}`).expect(401);
    expect(res.body.error.code).toBe("CONSOLE.0401");
  });
});
