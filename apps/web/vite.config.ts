import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  // Absolute asset URLs, so a deep link such as /messages/42 still loads /assets/*.
  base: "/",
  server: {
    // The bundle only ever calls relative /api paths; whoever serves it decides where they go.
    proxy: { "/api": process.env.API_URL ?? "http://localhost:3000" },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test-setup.ts"],
    unstubGlobals: true,
  },
});
