// assembly/abi.ts repeats numbers from src/format/abi.ts; this keeps the two copies equal.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ABI_VERSION,
  Act,
  BINARY_MUL,
  FLAG_CHECK_NAN,
  Header,
  Norm,
  Opcode,
  PoolMode,
  QuantMode,
  STEP_BYTES,
  STEP_FLAG_CONV_DEPTHWISE,
  STEP_FLAG_Q8_BF16_SCALES,
  STEP_FLAG_Q8_I16_INPUT,
  STEP_FLAG_Q8_NO_ROW_SUMS,
  STEP_FLAG_Q8_STATIC_INPUT,
  Status,
  Step,
} from "../../src/format/abi.js";

const as = readFileSync(new URL("../../assembly/abi.ts", import.meta.url), "utf8");
const constants = new Map([...as.matchAll(/export const (\w+): \w+ = (\w+);/g)].map((m) => [m[1]!, Number(m[2])]));

const upper = (camel: string) => camel.replace(/([a-z])([A-Z0-9])/g, "$1_$2").toUpperCase();

describe("assembly/abi.ts agrees with src/format/abi.ts", () => {
  it("versions, sizes and flags", () => {
    expect(constants.get("ABI_VERSION")).toBe(ABI_VERSION);
    expect(constants.get("STEP_BYTES")).toBe(STEP_BYTES);
    expect(constants.get("FLAG_CHECK_NAN")).toBe(FLAG_CHECK_NAN);
    expect(constants.get("STEP_FLAG_Q8_STATIC_INPUT")).toBe(STEP_FLAG_Q8_STATIC_INPUT);
    expect(constants.get("STEP_FLAG_Q8_I16_INPUT")).toBe(STEP_FLAG_Q8_I16_INPUT);
    expect(constants.get("STEP_FLAG_Q8_BF16_SCALES")).toBe(STEP_FLAG_Q8_BF16_SCALES);
    expect(constants.get("STEP_FLAG_Q8_NO_ROW_SUMS")).toBe(STEP_FLAG_Q8_NO_ROW_SUMS);
    expect(constants.get("STEP_FLAG_CONV_DEPTHWISE")).toBe(STEP_FLAG_CONV_DEPTHWISE);
    expect(constants.get("BINARY_MUL")).toBe(BINARY_MUL);
  });
  it("header offsets the interpreter reads", () => {
    const pairs: Array<[string, number]> = [
      ["H_N_STEPS", Header.nSteps],
      ["H_STEPS_OFFSET", Header.stepsOffset],
      ["H_BATCH_ROWS", Header.batchRows],
      ["H_INPUT_OFFSET", Header.inputOffset],
      ["H_N_INPUT", Header.nInput],
      ["H_OUTPUT_OFFSET", Header.outputOffset],
      ["H_OUTPUT_STRIDE", Header.outputStride],
    ];
    for (const [name, v] of pairs) expect(constants.get(name), name).toBe(v);
  });
  it("step record fields", () => {
    for (const [field, off] of Object.entries(Step)) {
      expect(constants.get(`S_${upper(field)}`), field).toBe(off);
    }
  });
  it("opcodes, activations, norms and statuses", () => {
    const enums: Array<[string, Record<string, string | number>]> = [
      ["OP", Opcode],
      ["ACT", Act],
      ["NORM", Norm],
      ["STATUS", Status],
      ["QUANT", QuantMode],
      ["POOL", PoolMode],
    ];
    for (const [prefix, e] of enums) {
      for (const [name, v] of Object.entries(e)) {
        if (typeof v !== "number") continue;
        const asName = `${prefix}_${upper(name)}`;
        expect(constants.get(asName), asName).toBe(v);
      }
    }
  });
});
