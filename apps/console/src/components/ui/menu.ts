/** The look of every dropdown menu: its panel and its items (Radix sets the data-* states). */
export const menuContentClass =
  "z-50 min-w-44 rounded-md border border-slate-200 bg-white p-1 text-sm shadow-lg dark:border-slate-700 dark:bg-slate-900";

export const menuItemClass =
  "flex cursor-pointer items-center gap-2 rounded px-2 py-1 outline-none data-[disabled]:cursor-default data-[disabled]:opacity-50 data-[highlighted]:bg-slate-100 dark:data-[highlighted]:bg-slate-800";
