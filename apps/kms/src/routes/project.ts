import { EmptyBody } from "../wire/requests.js";
import { route } from "./define.js";

export const projectRoutes = [
  route({
    method: "GET",
    path: "user-instances",
    operation: "user-instances",
    body: EmptyBody,
    handle: async ({ engine, caller }) => ({ instance_num: await engine.countInstances(caller) }),
  }),
  route({
    method: "GET",
    path: "user-quotas",
    operation: "user-quotas",
    body: EmptyBody,
    async handle({ engine, caller }) {
      const q = await engine.quotas(caller);
      return {
        quotas: {
          resources: [
            { type: "CMK", used: q.customKeys.used, quota: q.customKeys.quota },
            // Per-key grant usage differs by key; the project-level answer reports none used.
            { type: "grant_per_CMK", used: 0, quota: q.grantsPerKey.quota },
          ],
        },
      };
    },
  }),
];
