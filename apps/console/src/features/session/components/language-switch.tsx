import { useTranslation } from "react-i18next";
import { LANGUAGES } from "../../../lib/i18n";

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <fieldset className="inline-flex overflow-hidden rounded-md border border-slate-300 text-xs dark:border-slate-600">
      <legend className="sr-only">{t("header.language")}</legend>
      {LANGUAGES.map((l) => (
        <button
          key={l.code}
          type="button"
          lang={l.code}
          aria-pressed={i18n.language === l.code}
          className="px-2 py-1 aria-pressed:bg-slate-200 dark:aria-pressed:bg-slate-700"
          onClick={() => void i18n.changeLanguage(l.code)}
        >
          {l.label}
        </button>
      ))}
    </fieldset>
  );
}
