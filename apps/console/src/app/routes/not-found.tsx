import { Link } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import { EmptyState } from "../../components/ui/states";

export function NotFound() {
  const { t } = useTranslation();
  return (
    <EmptyState title={t("common.notFound")}>
      <Link to="/keys" className="text-blue-700 hover:underline dark:text-blue-400">
        {t("nav.keys")}
      </Link>
    </EmptyState>
  );
}
