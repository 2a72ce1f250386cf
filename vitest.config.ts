import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The ONNX backend conformance suite needs Debian's libonnx-testdata: `npm run test:conformance`.
    exclude: ["test/conformance/**", "node_modules/**"],
    globalSetup: ["test/helpers/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
