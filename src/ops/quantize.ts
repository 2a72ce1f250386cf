/**
 * QUANTIZE (ABI 2): element-wise quantization to integer values held in f32; the act byte is
 * the mode (ONNX QuantizeLinear, DynamicQuantizeLinear, QLinearMatMul's requantization).
 */
import { Opcode, QUANT_MODE_NAMES, QuantMode } from "../format/abi.js";
import { actText, type OpSpec } from "./spec.js";

/** The modes that map each value on its own (y[i] from x[i], w[i], b[i]): they may run in place. */
const elementwise = (mode: number) => mode === QuantMode.Divide || mode === QuantMode.Multiply;

export const quantize: OpSpec = {
  opcode: Opcode.Quantize,
  name: "QUANTIZE",
  actByte: "quantMode",
  acts: Object.values(QuantMode).filter((v): v is number => typeof v === "number"),
  flagBits: 0,
  dense: false,
  minAbi: () => 2,
  inPlace: (s) => elementwise(s.act),
  validate(s, v) {
    switch (s.act) {
      case QuantMode.Divide:
      case QuantMode.Multiply:
        v.sameShape();
        v.param("w", s.nIn * 4);
        v.param("b", s.nIn * 4);
        v.unused("aux", "scratch");
        if (!(s.alpha <= s.beta) || !Number.isInteger(s.alpha) || !Number.isInteger(s.beta))
          v.bad("alpha", `saturation bounds [${s.alpha}, ${s.beta}] must be integers, low ≤ high`);
        break;
      case QuantMode.DynamicValues:
        v.sameShape();
        v.unused("w", "b", "aux", "scratch");
        break;
      case QuantMode.DynamicScale:
      case QuantMode.DynamicZeroPoint:
        if (s.nOut !== 1) v.bad("nOut", "a dynamic scale or zero point is one value");
        v.unused("w", "b", "aux", "scratch");
        break;
      default:
        v.bad("act", `unknown quantization mode ${s.act}`);
    }
  },
  describe: (s) => actText(QUANT_MODE_NAMES, s.act),
  parameterCount: () => 0,
};
