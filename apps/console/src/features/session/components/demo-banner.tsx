import { FlaskConical } from "lucide-react";
import { useTranslation } from "react-i18next";

/** Under the header while the project holds seeded demo data; it cannot be dismissed on purpose. */
export function DemoBanner() {
  const { t } = useTranslation();
  return (
    <div
      role="status"
      className="border-b border-amber-200 bg-amber-50 text-amber-900 dark:border-amber-900 dark:bg-amber-950/50 dark:text-amber-200"
    >
      <p className="mx-auto flex max-w-7xl items-center gap-2 px-4 py-1 text-xs">
        <FlaskConical size={14} aria-hidden className="shrink-0" />
        {t("demo.banner")}
      </p>
    </div>
  );
}
