import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";
import "./lib/i18n";

afterEach(() => {
  cleanup();
  localStorage.clear();
});

// jsdom has no scrolling; the router's scroll restoration calls it.
window.scrollTo = () => undefined;
