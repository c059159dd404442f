// Builds src/main.js with ODK Web Forms into server/static/webforms (see build.sh).
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  publicDir: false,
  build: {
    outDir: "../static/webforms",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 5000,
    lib: false,
    rollupOptions: {
      input: "src/main.js",
      output: {
        entryFileNames: "sapat-webforms.js",
        chunkFileNames: "[name]-[hash].js",
        assetFileNames: "[name]-[hash][extname]",
      },
    },
  },
});
