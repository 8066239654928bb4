import { Link } from "@tanstack/react-router";
import { Check, Minus } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Badge } from "../../../components/ui/badge";
import { ErrorState, Loading } from "../../../components/ui/states";
import { useDefaultKeys } from "../api/get-default-keys";

export function DefaultKeysPage({ projectId }: { projectId: string }) {
  const { t } = useTranslation();
  const catalog = useDefaultKeys(projectId);
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-xl font-semibold">{t("defaultKeys.title")}</h1>
      <p className="max-w-3xl text-sm text-slate-600 dark:text-slate-300">{t("defaultKeys.intro")}</p>
      {catalog.isPending ? (
        <Loading />
      ) : catalog.isError ? (
        <ErrorState error={catalog.error} onRetry={() => void catalog.refetch()} />
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="text-slate-500">
            <tr>
              <th scope="col" className="py-1">
                {t("defaultKeys.service")}
              </th>
              <th scope="col">{t("defaultKeys.alias")}</th>
              <th scope="col">{t("defaultKeys.exists")}</th>
              <th scope="col">{t("defaultKeys.visibility")}</th>
              <th scope="col">{t("defaultKeys.remark")}</th>
            </tr>
          </thead>
          <tbody>
            {catalog.data.items.map((e) => (
              <tr key={e.service} className="border-t border-slate-100 dark:border-slate-800">
                <td className="py-2">
                  <div className="font-medium">{e.name}</div>
                  <div className="text-xs text-slate-500 uppercase">{e.service}</div>
                </td>
                <td className="font-mono text-xs">
                  {e.keyId ? (
                    <Link
                      to="/keys/$keyId"
                      params={{ keyId: e.keyId }}
                      className="text-blue-700 hover:underline dark:text-blue-400"
                    >
                      {e.alias}
                    </Link>
                  ) : (
                    e.alias
                  )}
                </td>
                <td>
                  {e.exists ? (
                    <span className="inline-flex items-center gap-1 text-green-700 dark:text-green-400">
                      <Check size={14} aria-hidden />
                      {t("defaultKeys.created")}
                    </span>
                  ) : (
                    <span className="inline-flex items-center gap-1 text-slate-500">
                      <Minus size={14} aria-hidden />
                      {t("defaultKeys.notYet")}
                    </span>
                  )}
                </td>
                <td>
                  <Badge tone={e.visibility === "selectable" ? "blue" : "amber"}>
                    {t(`defaultKeys.visibilityValue.${e.visibility}`)}
                  </Badge>
                </td>
                <td className="max-w-md text-xs text-slate-600 dark:text-slate-300">
                  {t(`defaultKeys.remarkValue.${e.visibility}`)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
