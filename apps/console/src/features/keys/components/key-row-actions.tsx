import type { TKeyListItem, TRole } from "@kms/domain";
import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { MoreHorizontal } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { menuContentClass, menuItemClass } from "../../../components/ui/menu";
import { toast } from "../../../components/ui/toast";
import { useCancelKeyDeletion } from "../api/cancel-key-deletion";
import { useDisableKey } from "../api/disable-key";
import { useEnableKey } from "../api/enable-key";
import { useKey } from "../api/get-key";

/**
 * A row's actions. Viewers and default keys never get a menu. For the rest, the menu asks the
 * BFF for the key's allowedActions when opened, so the list shows exactly what the server allows
 * (the rule lives in one place, the BFF; see the report about moving it to @kms/domain).
 */
export function KeyRowActions({
  projectId,
  role,
  item,
  onDelete,
}: {
  projectId: string;
  role: TRole;
  item: TKeyListItem;
  onDelete: (key: TKeyListItem) => void;
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const detail = useKey(projectId, item.id, { enabled: open });
  const done = () => toast.success(t("keys.actionDone"));
  const enable = useEnableKey(projectId, { onSuccess: done });
  const disable = useDisableKey(projectId, { onSuccess: done });
  const cancel = useCancelKeyDeletion(projectId, { onSuccess: done });
  if (role !== "admin" || item.isDefault) return null;
  const allowed = new Set(detail.data?.allowedActions ?? []);

  return (
    <DropdownMenu.Root open={open} onOpenChange={setOpen}>
      <DropdownMenu.Trigger
        className="rounded p-1 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800"
        aria-label={t("keys.actionsFor", { alias: item.alias })}
      >
        <MoreHorizontal size={16} aria-hidden />
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content align="end" className={menuContentClass}>
          {detail.isPending && <div className="px-2 py-1 text-slate-500">{t("common.loading")}</div>}
          {allowed.has("enable") && (
            <DropdownMenu.Item className={menuItemClass} onSelect={() => enable.mutate(item.id)}>
              {t("keys.action.enable")}
            </DropdownMenu.Item>
          )}
          {allowed.has("disable") && (
            <DropdownMenu.Item className={menuItemClass} onSelect={() => disable.mutate(item.id)}>
              {t("keys.action.disable")}
            </DropdownMenu.Item>
          )}
          {allowed.has("cancel-deletion") && (
            <DropdownMenu.Item className={menuItemClass} onSelect={() => cancel.mutate(item.id)}>
              {t("keys.action.cancelDeletion")}
            </DropdownMenu.Item>
          )}
          {allowed.has("schedule-deletion") && (
            <DropdownMenu.Item className={`${menuItemClass} text-red-600`} onSelect={() => onDelete(item)}>
              {t("keys.action.delete")}
            </DropdownMenu.Item>
          )}
          {detail.isSuccess && allowed.size === 0 && (
            <div className="px-2 py-1 text-slate-500">{t("keys.noActions")}</div>
          )}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
