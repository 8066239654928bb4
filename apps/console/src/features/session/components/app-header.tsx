import type { TSession, TSessionProject } from "@kms/domain";
import { Link } from "@tanstack/react-router";
import { KeyRound, LogOut, Monitor, Moon, Sun } from "lucide-react";
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Badge } from "../../../components/ui/badge";
import { Button } from "../../../components/ui/button";
import { setProjectId } from "../../../lib/project";
import { setTheme, type ThemeChoice, useTheme } from "../../../lib/theme";
import { useSignOut } from "../api/sign-out";
import { LanguageSwitch } from "./language-switch";

const NEXT_THEME: Record<ThemeChoice, ThemeChoice> = { system: "light", light: "dark", dark: "system" };

export function AppHeader({ session, project }: { session: TSession; project: TSessionProject }) {
  const { t } = useTranslation();
  const id = useId();
  const signOut = useSignOut();
  const { choice } = useTheme();
  const ThemeIcon = choice === "system" ? Monitor : choice === "dark" ? Moon : Sun;
  const nav = [
    { to: "/keys", label: t("nav.keys") },
    { to: "/default-keys", label: t("nav.defaultKeys") },
    { to: "/usage", label: t("nav.usage") },
    { to: "/audit", label: t("nav.audit") },
  ] as const;
  return (
    <header className="border-b border-slate-200 dark:border-slate-800">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-4 px-4 py-2">
        <span className="flex items-center gap-2 font-semibold">
          <KeyRound size={18} aria-hidden />
          {t("app.title")}
        </span>
        <nav aria-label={t("nav.main")} className="flex gap-1 text-sm">
          {nav.map((n) => (
            <Link
              key={n.to}
              to={n.to}
              className="rounded px-2 py-1 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
              activeProps={{
                className: "bg-slate-100 font-medium text-slate-900 dark:bg-slate-800 dark:text-white",
                "aria-current": "page",
              }}
            >
              {n.label}
            </Link>
          ))}
        </nav>
        <div className="ml-auto flex flex-wrap items-center gap-3 text-sm">
          <label htmlFor={`${id}-project`} className="sr-only">
            {t("header.project")}
          </label>
          <select
            id={`${id}-project`}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-900"
            value={project.id}
            onChange={(e) => setProjectId(e.target.value)}
          >
            {session.projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} ({p.region})
              </option>
            ))}
          </select>
          <LanguageSwitch />
          <Button
            variant="ghost"
            aria-label={t("header.theme", { current: t(`header.themeValue.${choice}`) })}
            title={t("header.theme", { current: t(`header.themeValue.${choice}`) })}
            onClick={() => setTheme(NEXT_THEME[choice])}
          >
            <ThemeIcon size={16} aria-hidden />
          </Button>
          <span className="flex items-center gap-1.5">
            <span>{session.username}</span>
            <Badge tone={project.role === "admin" ? "blue" : "slate"}>{t(`role.${project.role}`)}</Badge>
          </span>
          <Button variant="ghost" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
            <LogOut size={15} aria-hidden />
            {t("header.signOut")}
          </Button>
        </div>
      </div>
    </header>
  );
}
