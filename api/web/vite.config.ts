import { defineConfig } from "vite";

// `npm run build` writes the explorer into static/, which the Python package ships and serves
// at / (api.app._mount_explorer). Relative asset URLs keep it working under any mount point.
export default defineConfig({
  base: "./",
  build: {
    outDir: "static",
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2020",
    chunkSizeWarningLimit: 1024,
    sourcemap: false,
  },
  server: {
    // `npm run dev` proxies the API to a `policykg serve` on the default port.
    proxy: Object.fromEntries(
      ["/ask", "/search", "/units", "/clauses", "/policies", "/graph", "/jurisdictions", "/healthz"].map(
        (path) => [path, "http://127.0.0.1:8000"],
      ),
    ),
  },
});
