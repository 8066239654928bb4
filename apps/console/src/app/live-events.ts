import { ZConsoleEvent } from "@kms/domain";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { auditKeys } from "../features/audit/api/get-audit";
import { defaultKeyKeys } from "../features/default-keys/api/get-default-keys";
import { keyKeys } from "../features/keys/api/keys";
import { usageKeys } from "../features/usage/api/get-usage";
import { buildUrl } from "../lib/api-client";

const EVENT_TYPES = ["key-created", "key-changed", "default-key-created", "usage"] as const;

/**
 * Live updates: the BFF's server-sent events become query invalidations, so a new default key, a
 * state change or new usage appears without a reload. EventSource reconnects by itself.
 */
export function useLiveEvents(projectId: string): void {
  const qc = useQueryClient();
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const source = new EventSource(buildUrl("/api/events", { projectId }));
    const onEvent = (e: MessageEvent<string>) => {
      let data: unknown;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      const parsed = ZConsoleEvent.safeParse(data);
      if (!parsed.success) return;
      const ev = parsed.data;
      switch (ev.type) {
        case "key-created":
          void qc.invalidateQueries({ queryKey: keyKeys.lists(projectId) });
          break;
        case "default-key-created":
          void qc.invalidateQueries({ queryKey: keyKeys.lists(projectId) });
          void qc.invalidateQueries({ queryKey: defaultKeyKeys.catalog(projectId) });
          break;
        case "key-changed":
          void qc.invalidateQueries({ queryKey: keyKeys.detail(projectId, ev.keyId) });
          void qc.invalidateQueries({ queryKey: keyKeys.lists(projectId) });
          void qc.invalidateQueries({ queryKey: auditKeys.all(projectId) });
          break;
        case "usage":
          void qc.invalidateQueries({ queryKey: usageKeys.all(projectId) });
          void qc.invalidateQueries({ queryKey: keyKeys.lists(projectId) });
          break;
      }
    };
    for (const type of EVENT_TYPES) source.addEventListener(type, onEvent);
    return () => source.close();
  }, [qc, projectId]);
}
