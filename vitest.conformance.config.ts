// The conformance suite alone: npx vitest run --config vitest.conformance.config.ts
// (ONNX backend tests from Debian's libonnx-testdata, and the ONNX corruption fuzz).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/conformance/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
