import type { TKeyListItem, TKeyState } from "@kms/domain";
import { EyeOff, Lock } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Badge } from "../../../components/ui/badge";

const STATE_TONE = {
  enabled: "green",
  disabled: "slate",
  pending_deletion: "red",
  pending_import: "amber",
  pending_activation: "amber",
} as const satisfies Record<TKeyState, string>;

export function KeyStateBadge({ state }: { state: TKeyState }) {
  const { t } = useTranslation();
  return <Badge tone={STATE_TONE[state]}>{t(`keyState.${state}`)}</Badge>;
}

/** Default keys: "Default" + a read-only lock + the owning service; custom keys: "Custom". */
export function KeyTypeBadges({
  item,
}: {
  item: Pick<TKeyListItem, "isDefault" | "serviceName" | "service" | "hiddenInConsole">;
}) {
  const { t } = useTranslation();
  if (!item.isDefault) return <Badge>{t("keys.type.custom")}</Badge>;
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <Badge tone="blue">{t("keys.type.default")}</Badge>
      <Badge tone="violet">
        <Lock size={11} aria-hidden />
        {t("keys.readOnly")}
      </Badge>
      <span className="text-xs text-slate-600 dark:text-slate-300">{item.serviceName ?? item.service}</span>
      {item.hiddenInConsole && (
        <Badge tone="amber">
          <EyeOff size={11} aria-hidden />
          {t("keys.hidden")}
        </Badge>
      )}
    </span>
  );
}
