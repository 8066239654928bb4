import type { TKeyListItem, TRole } from "@kms/domain";
import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { Link } from "@tanstack/react-router";
import {
  type ColumnDef,
  flexRender,
  getCoreRowModel,
  type SortingState,
  useReactTable,
  type VisibilityState,
} from "@tanstack/react-table";
import { observeElementRect, useVirtualizer } from "@tanstack/react-virtual";
import { ArrowDown, ArrowUp, ArrowUpDown, Columns3 } from "lucide-react";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../../components/ui/button";
import { CopyButton } from "../../../components/ui/copy-button";
import { menuContentClass, menuItemClass } from "../../../components/ui/menu";
import { EmptyState, ErrorState, Loading } from "../../../components/ui/states";
import { formatDateTime, formatNumber } from "../../../lib/format";
import type { KeysSearch } from "../api/get-keys";
import { useKeys } from "../api/get-keys";
import { KeyStateBadge, KeyTypeBadges } from "./key-badges";
import { KeyRowActions } from "./key-row-actions";

type SortField = NonNullable<KeysSearch["sort"]>;
/** Columns the server can sort by, mapped from column ids. */
const SORTABLE: Record<string, SortField> = {
  alias: "alias",
  state: "state",
  spec: "spec",
  createdAt: "createdAt",
  lastUsedAt: "lastUsedAt",
};
const COLUMNS_STORAGE = "kms.keys.columns";
const ROW_HEIGHT = 52;

function loadVisibility(): VisibilityState {
  try {
    const raw = localStorage.getItem(COLUMNS_STORAGE);
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (parsed && typeof parsed === "object") {
      return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === "boolean"));
    }
  } catch {
    // fall back to every column
  }
  return {};
}

/** Selected keys by id; only custom keys, and only an admin's, are ever selectable. */
export type KeySelection = ReadonlyMap<string, TKeyListItem>;
const selectable = (k: TKeyListItem) => !k.isDefault;

export function KeysTable({
  projectId,
  role,
  search,
  onDelete,
  onSortChange,
  emptyAction,
  selection,
  onSelectionChange,
}: {
  projectId: string;
  role: TRole;
  search: KeysSearch;
  onDelete: (key: TKeyListItem) => void;
  onSortChange: (sort: SortField, order: "asc" | "desc") => void;
  emptyAction?: React.ReactNode;
  selection?: KeySelection;
  onSelectionChange?: (next: KeySelection) => void;
}) {
  const { t } = useTranslation();
  const query = useKeys(projectId, search);
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const total = query.data?.pages[0]?.total ?? 0;
  const [visibility, setVisibility] = useState<VisibilityState>(loadVisibility);
  const canSelect = role === "admin" && onSelectionChange !== undefined;

  // Keep selected keys as fresh as the list (a live event may have changed a key's state).
  useEffect(() => {
    if (!selection || !onSelectionChange || selection.size === 0) return;
    let next: Map<string, TKeyListItem> | undefined;
    for (const r of rows) {
      const s = selection.get(r.id);
      if (s && s !== r) {
        next ??= new Map(selection);
        next.set(r.id, r);
      }
    }
    if (next) onSelectionChange(next);
  }, [rows, selection, onSelectionChange]);

  useEffect(() => {
    try {
      localStorage.setItem(COLUMNS_STORAGE, JSON.stringify(visibility));
    } catch {
      // settings last for this page only
    }
  }, [visibility]);

  const columns = useMemo<ColumnDef<TKeyListItem>[]>(
    () => [
      ...(canSelect
        ? [
            selectColumn(rows, selection ?? new Map(), onSelectionChange, {
              all: t("keys.selectAll"),
              one: (alias) => t("keys.select", { alias }),
            }),
          ]
        : ([] as ColumnDef<TKeyListItem>[])),
      {
        id: "alias",
        header: t("keys.col.alias"),
        enableHiding: false,
        cell: ({ row: { original: k } }) => (
          <div className="flex min-w-0 flex-col">
            <Link
              to="/keys/$keyId"
              params={{ keyId: k.id }}
              className="truncate font-medium text-blue-700 hover:underline dark:text-blue-400"
            >
              {k.alias}
            </Link>
            <span className="flex items-center gap-1 font-mono text-xs text-slate-500">
              <span className="truncate">{k.id}</span>
              <CopyButton value={k.id} label={t("keys.copyId", { alias: k.alias })} />
            </span>
          </div>
        ),
      },
      {
        id: "state",
        header: t("keys.col.status"),
        cell: ({ row }) => <KeyStateBadge state={row.original.state} />,
      },
      { id: "type", header: t("keys.col.type"), cell: ({ row }) => <KeyTypeBadges item={row.original} /> },
      {
        id: "spec",
        header: t("keys.col.algorithm"),
        cell: ({ row: { original: k } }) => (
          <div className="flex flex-col text-xs">
            <span className="font-medium">{k.spec}</span>
            <span className="text-slate-500">{t(`keyUsage.${k.usage}`)}</span>
          </div>
        ),
      },
      {
        id: "origin",
        header: t("keys.col.origin"),
        cell: ({ row }) => t(`keyOrigin.${row.original.origin}`),
      },
      {
        id: "createdAt",
        header: t("keys.col.created"),
        cell: ({ row }) => formatDateTime(row.original.createdAt),
      },
      {
        id: "requestsThisMonth",
        header: t("keys.col.requests"),
        cell: ({ row }) => (
          <span className="tabular-nums">{formatNumber(row.original.requestsThisMonth)}</span>
        ),
      },
      {
        id: "lastUsedAt",
        header: t("keys.col.lastUsed"),
        cell: ({ row }) => formatDateTime(row.original.lastUsedAt),
      },
      {
        id: "actions",
        header: () => <span className="sr-only">{t("keys.col.actions")}</span>,
        enableHiding: false,
        cell: ({ row }) => (
          <KeyRowActions projectId={projectId} role={role} item={row.original} onDelete={onDelete} />
        ),
      },
    ],
    [t, projectId, role, onDelete, canSelect, rows, selection, onSelectionChange],
  );

  const sorting: SortingState = [
    { id: search.sort ?? "createdAt", desc: (search.order ?? "desc") === "desc" },
  ];
  const table = useReactTable({
    data: rows,
    columns,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (k) => k.id,
    manualSorting: true,
    state: { sorting, columnVisibility: visibility },
    onColumnVisibilityChange: setVisibility,
  });

  const scrollRef = useRef<HTMLDivElement>(null);
  const tableRows = table.getRowModel().rows;
  const virtualizer = useVirtualizer({
    count: tableRows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // An element without layout (tests, a hidden tab) measures 0: assume a screenful instead.
    observeElementRect: (instance, cb) =>
      observeElementRect(instance, (rect) => cb(rect.height > 0 ? rect : { width: rect.width, height: 800 })),
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? -1;

  // Virtual scrolling over server pages: near the end of what is loaded, fetch the next page.
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= tableRows.length - 20) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, lastIndex, tableRows.length]);

  if (query.isPending) return <Loading label={t("keys.loading")} />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;

  const paddingTop = items[0]?.start ?? 0;
  const paddingBottom = items.length > 0 ? virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0) : 0;
  const visibleColumns = table.getVisibleLeafColumns().length;

  return (
    <div className="flex flex-col gap-2">
      <div className="flex items-center justify-between text-sm text-slate-600 dark:text-slate-300">
        <span aria-live="polite">
          {t("keys.count", { shown: formatNumber(rows.length), total: formatNumber(total) })}
        </span>
        <ColumnSettings table={table} />
      </div>
      <div
        ref={scrollRef}
        className="max-h-[68vh] overflow-auto rounded-md border border-slate-200 dark:border-slate-700"
      >
        <table className="w-full table-fixed border-collapse text-sm" aria-rowcount={total + 1}>
          <thead className="sticky top-0 z-10 bg-slate-50 dark:bg-slate-900">
            {table.getHeaderGroups().map((hg) => (
              <tr key={hg.id}>
                {hg.headers.map((h) => {
                  const field = SORTABLE[h.column.id];
                  const active = (search.sort ?? "createdAt") === field;
                  const order = search.order ?? "desc";
                  return (
                    <th
                      key={h.id}
                      scope="col"
                      aria-sort={active ? (order === "asc" ? "ascending" : "descending") : undefined}
                      className={`px-3 py-2 text-left font-medium text-slate-600 dark:text-slate-300 ${h.column.id === "alias" ? "w-72" : h.column.id === "select" ? "w-10" : h.column.id === "actions" ? "w-14" : h.column.id === "type" ? "w-56" : ""}`}
                    >
                      {field ? (
                        <button
                          type="button"
                          className="inline-flex items-center gap-1 hover:text-slate-900 dark:hover:text-white"
                          onClick={() => onSortChange(field, active && order === "desc" ? "asc" : "desc")}
                        >
                          {flexRender(h.column.columnDef.header, h.getContext())}
                          {active ? (
                            order === "asc" ? (
                              <ArrowUp size={13} aria-hidden />
                            ) : (
                              <ArrowDown size={13} aria-hidden />
                            )
                          ) : (
                            <ArrowUpDown size={13} aria-hidden className="opacity-40" />
                          )}
                        </button>
                      ) : (
                        flexRender(h.column.columnDef.header, h.getContext())
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {paddingTop > 0 && (
              <tr aria-hidden>
                <td colSpan={visibleColumns} style={{ height: paddingTop }} />
              </tr>
            )}
            {items.map((vi) => {
              const row = tableRows[vi.index];
              if (!row) return null;
              return (
                <tr
                  key={row.id}
                  aria-rowindex={vi.index + 2}
                  className="border-t border-slate-100 hover:bg-slate-50 dark:border-slate-800 dark:hover:bg-slate-900/60"
                  style={{ height: ROW_HEIGHT }}
                >
                  {row.getVisibleCells().map((cell) => (
                    <td key={cell.id} className="overflow-hidden px-3 py-1.5 align-middle">
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </td>
                  ))}
                </tr>
              );
            })}
            {paddingBottom > 0 && (
              <tr aria-hidden>
                <td colSpan={visibleColumns} style={{ height: paddingBottom }} />
              </tr>
            )}
          </tbody>
        </table>
        {rows.length === 0 && <EmptyState title={t("keys.empty")}>{emptyAction}</EmptyState>}
      </div>
      {hasNextPage && (
        <div className="flex justify-center">
          <Button onClick={() => void fetchNextPage()} disabled={isFetchingNextPage}>
            {isFetchingNextPage ? t("common.loading") : t("keys.loadMore")}
          </Button>
        </div>
      )}
    </div>
  );
}

function ColumnSettings({ table }: { table: ReturnType<typeof useReactTable<TKeyListItem>> }) {
  const { t } = useTranslation();
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger asChild>
        <Button variant="ghost">
          <Columns3 size={15} aria-hidden />
          {t("keys.columns")}
        </Button>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content align="end" className={menuContentClass}>
          {table
            .getAllLeafColumns()
            .filter((c) => c.getCanHide())
            .map((c) => (
              <DropdownMenu.CheckboxItem
                key={c.id}
                checked={c.getIsVisible()}
                onCheckedChange={(v) => c.toggleVisibility(v)}
                onSelect={(e) => e.preventDefault()}
                className={menuItemClass}
              >
                <span className="w-4">{c.getIsVisible() ? "✓" : ""}</span>
                {typeof c.columnDef.header === "string" ? c.columnDef.header : c.id}
              </DropdownMenu.CheckboxItem>
            ))}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

/** The selection column: a checkbox per custom key, and one for every selectable key loaded. */
function selectColumn(
  rows: readonly TKeyListItem[],
  selection: KeySelection,
  onChange: (next: KeySelection) => void,
  labels: { all: string; one: (alias: string) => string },
): ColumnDef<TKeyListItem> {
  const candidates = rows.filter(selectable);
  const chosen = candidates.filter((k) => selection.has(k.id)).length;
  return {
    id: "select",
    enableHiding: false,
    header: () =>
      candidates.length > 0 ? (
        <Checkbox
          label={labels.all}
          checked={chosen === candidates.length}
          indeterminate={chosen > 0 && chosen < candidates.length}
          onChange={(on) => {
            const next = new Map(selection);
            for (const k of candidates) {
              if (on) next.set(k.id, k);
              else next.delete(k.id);
            }
            onChange(next);
          }}
        />
      ) : null,
    cell: ({ row: { original: k } }) =>
      selectable(k) ? (
        <Checkbox
          label={labels.one(k.alias)}
          checked={selection.has(k.id)}
          onChange={(on) => {
            const next = new Map(selection);
            if (on) next.set(k.id, k);
            else next.delete(k.id);
            onChange(next);
          }}
        />
      ) : null,
  };
}

function Checkbox({
  label,
  checked,
  indeterminate = false,
  onChange,
}: {
  label: string;
  checked: boolean;
  indeterminate?: boolean;
  onChange: (checked: boolean) => void;
}) {
  const ref = useRef<HTMLInputElement>(null);
  // "Some selected" exists only as a DOM property, not an attribute.
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = indeterminate;
  }, [indeterminate]);
  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label={label}
      className="size-4 cursor-pointer accent-blue-600"
      checked={checked}
      onChange={(e) => onChange(e.target.checked)}
    />
  );
}
