import { useEffect, useSyncExternalStore } from "react";

export type ThemeChoice = "system" | "light" | "dark";
const STORAGE_KEY = "kms.theme";
const listeners = new Set<() => void>();

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === "light" || v === "dark" ? v : "system";
  } catch {
    return "system";
  }
}

let choice: ThemeChoice = typeof localStorage === "undefined" ? "system" : stored();

export function setTheme(next: ThemeChoice): void {
  choice = next;
  try {
    if (next === "system") localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // ignore: the choice lasts for this page
  }
  for (const l of listeners) l();
}

const media = () =>
  typeof window !== "undefined" && typeof window.matchMedia === "function"
    ? window.matchMedia("(prefers-color-scheme: dark)")
    : null;

/** Follows the system unless the user picked light or dark; applies the `dark` class to <html>. */
export function useTheme(): { choice: ThemeChoice; dark: boolean } {
  const current = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      const m = media();
      m?.addEventListener("change", l);
      return () => {
        listeners.delete(l);
        m?.removeEventListener("change", l);
      };
    },
    () => `${choice}:${media()?.matches ? "dark" : "light"}`,
  );
  const [c, system] = current.split(":") as [ThemeChoice, string];
  const dark = c === "dark" || (c === "system" && system === "dark");
  useEffect(() => {
    document.documentElement.classList.toggle("dark", dark);
  }, [dark]);
  return { choice: c, dark };
}
