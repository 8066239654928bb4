import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { Check, ChevronDown } from "lucide-react";
import { useTranslation } from "react-i18next";
import { inputClass } from "./field";
import { menuContentClass, menuItemClass } from "./menu";

/**
 * A labelled filter that takes several values: a button naming what is chosen, opening a menu of
 * checkbox items that stays open while they are toggled. Nothing chosen means no filter (`allLabel`).
 */
export function MultiSelect<T extends string>({
  id,
  label,
  allLabel,
  options,
  value,
  optionLabel,
  onChange,
}: {
  id: string;
  label: string;
  allLabel: string;
  options: readonly T[];
  value: readonly T[];
  optionLabel: (option: T) => string;
  /** The chosen values in the order of `options`; empty for no filter. */
  onChange: (value: T[]) => void;
}) {
  const { t } = useTranslation();
  const chosen = new Set(value);
  const toggle = (option: T) =>
    onChange(options.filter((o) => (o === option ? !chosen.has(o) : chosen.has(o))));
  const summary =
    value.length === 0
      ? allLabel
      : value.length <= 2
        ? value.map(optionLabel).join(", ")
        : t("common.nSelected", { count: value.length });

  return (
    <label className="flex flex-col gap-1 text-xs font-medium" htmlFor={id}>
      {label}
      <DropdownMenu.Root modal={false}>
        <DropdownMenu.Trigger
          id={id}
          className={`${inputClass} flex min-w-40 items-center justify-between gap-2 text-left`}
        >
          <span className="truncate">{summary}</span>
          <ChevronDown size={14} aria-hidden />
        </DropdownMenu.Trigger>
        <DropdownMenu.Portal>
          <DropdownMenu.Content align="start" className={menuContentClass}>
            {options.map((option) => (
              <DropdownMenu.CheckboxItem
                key={option}
                checked={chosen.has(option)}
                // Keep the menu open: several values are usually chosen in a row.
                onSelect={(e) => e.preventDefault()}
                onCheckedChange={() => toggle(option)}
                className={menuItemClass}
              >
                <span className="flex w-4 justify-center">
                  <DropdownMenu.ItemIndicator>
                    <Check size={14} aria-hidden />
                  </DropdownMenu.ItemIndicator>
                </span>
                {optionLabel(option)}
              </DropdownMenu.CheckboxItem>
            ))}
            {value.length > 0 && (
              <>
                <DropdownMenu.Separator className="my-1 h-px bg-slate-200 dark:bg-slate-700" />
                <DropdownMenu.Item onSelect={() => onChange([])} className={`${menuItemClass} pl-8`}>
                  {allLabel}
                </DropdownMenu.Item>
              </>
            )}
          </DropdownMenu.Content>
        </DropdownMenu.Portal>
      </DropdownMenu.Root>
    </label>
  );
}
