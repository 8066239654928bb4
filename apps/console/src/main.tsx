import "./index.css";
import "./lib/i18n";
import { createRoot } from "react-dom/client";
import { AppProvider } from "./app/provider";
import { createAppRouter } from "./app/router";
import { makeQueryClient } from "./lib/query-client";

const queryClient = makeQueryClient();
const router = createAppRouter(queryClient);

createRoot(document.getElementById("root")!).render(
  <AppProvider queryClient={queryClient} router={router} />,
);
