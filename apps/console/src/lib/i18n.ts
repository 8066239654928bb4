import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./locales/en";
import { zhCN } from "./locales/zh-cn";

export const LANGUAGES = [
  { code: "en", label: "EN" },
  { code: "zh-CN", label: "简体中文" },
] as const;
const STORAGE_KEY = "kms.lang";

function initialLanguage(): string {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === "en" || saved === "zh-CN") return saved;
  } catch {
    // no storage: fall through to the browser's language
  }
  return typeof navigator !== "undefined" && navigator.language?.toLowerCase().startsWith("zh")
    ? "zh-CN"
    : "en";
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, "zh-CN": { translation: zhCN } },
  lng: initialLanguage(),
  fallbackLng: "en",
  // React escapes text itself; server text is never rendered as HTML.
  interpolation: { escapeValue: false },
  returnNull: false,
});

i18n.on("languageChanged", (lng) => {
  try {
    localStorage.setItem(STORAGE_KEY, lng);
  } catch {
    // ignore
  }
  if (typeof document !== "undefined") document.documentElement.lang = lng;
});

export default i18n;
