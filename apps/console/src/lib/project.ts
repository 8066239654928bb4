import { useSyncExternalStore } from "react";

/** The selected project: shared by every project-scoped query; remembered in localStorage. */
const STORAGE_KEY = "kms.projectId";
let current: string | null = readStored();
const listeners = new Set<() => void>();

function readStored(): string | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function setProjectId(id: string | null): void {
  current = id;
  try {
    if (id) localStorage.setItem(STORAGE_KEY, id);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // private mode: keep it in memory only
  }
  for (const l of listeners) l();
}

export function getProjectId(): string | null {
  return current;
}

export function useProjectId(): string | null {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
    () => current,
  );
}
