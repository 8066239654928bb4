import "./index.css";
import "./lib/i18n";
import { setNonce } from "get-nonce";
import { createRoot } from "react-dom/client";
import { AppProvider } from "./app/provider";
import { createAppRouter } from "./app/router";
import { makeQueryClient } from "./lib/query-client";

// The style nonce of this page's CSP, for the <style> tags that Radix's scroll lock injects.
const nonce = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce;
if (nonce && nonce !== "__CSP_NONCE__") setNonce(nonce);

const queryClient = makeQueryClient();
const router = createAppRouter(queryClient);

createRoot(document.getElementById("root")!).render(
  <AppProvider queryClient={queryClient} router={router} />,
);
