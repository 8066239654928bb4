import { AlertTriangle, Inbox, Loader2 } from "lucide-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { isApiError } from "../../lib/api-client";
import { Button } from "./button";

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <div role="status" className="flex items-center gap-2 p-6 text-sm text-slate-500">
      <Loader2 className="animate-spin" size={16} aria-hidden />
      {label ?? t("common.loading")}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const message = isApiError(error) ? error.message : t("common.unexpectedError");
  return (
    <div
      role="alert"
      className="flex items-center gap-3 rounded-md border border-red-200 p-4 text-sm dark:border-red-900"
    >
      <AlertTriangle className="text-red-600" size={18} aria-hidden />
      <span className="flex-1">
        {t("common.loadFailed")} {message}
      </span>
      {onRetry && (
        <Button onClick={onRetry} variant="secondary">
          {t("common.retry")}
        </Button>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="flex flex-col items-center gap-2 p-10 text-center text-sm text-slate-500">
      <Inbox size={28} aria-hidden />
      <p className="font-medium text-slate-700 dark:text-slate-200">{title}</p>
      {children}
    </div>
  );
}
