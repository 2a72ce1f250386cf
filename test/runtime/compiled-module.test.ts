// Runtime({ module }): kernels compiled by the host (workerd forbids compiling wasm from bytes
// at run time; bundlers hand over a WebAssembly.Module) run the same as the embedded ones.
import { describe, expect, it } from "vitest";
import { HostError, InputTypeError, kernelBytes, Runtime } from "../../src/index.js";
import { seedModel } from "../helpers/models.js";

describe("Runtime with an already compiled module", () => {
  const image = seedModel();
  const row = [0.5, -1.25];

  it.each(["simd", "scalar"] as const)("the %s build gives the embedded build's bits", (build) => {
    const module = new WebAssembly.Module(kernelBytes(build));
    const given = new Runtime({ module, simd: build === "scalar" ? "off" : "auto" });
    expect(given.build).toBe(build);
    const own = new Runtime({ simd: build === "scalar" ? "off" : "require" });
    expect(Array.from(given.load(image).predict(row))).toEqual(Array.from(own.load(image).predict(row)));
  });

  it("refuses a value that is not a module, and a module that is not the kernels", () => {
    expect(() => new Runtime({ module: kernelBytes("scalar") as unknown as WebAssembly.Module })).toThrow(
      InputTypeError,
    );
    const empty = new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    expect(() => new Runtime({ module: empty })).toThrow(HostError);
  });
});
