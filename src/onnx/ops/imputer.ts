/**
 * ai.onnx.ml Imputer as skl2onnx writes scikit-learn's SimpleImputer: one IMPUTE step (through
 * the generic Graph.op). Floats only: the int64 form is refused by its attribute names.
 */

import { Opcode } from "../../format/abi.js";
import { type OnnxContext, prod, type Sym } from "../context.js";
import { ML, type OnnxOpRegistry } from "../registry.js";

export function register(reg: OnnxOpRegistry): void {
  // Element-wise on whatever the row is: allowed without a batch dimension too.
  reg.add({ domain: ML, opType: "Imputer", sinceOpset: 1, batchFree: true, lower: (ctx) => [imputer(ctx)] });
}

function imputer(ctx: OnnxContext): Sym {
  for (const name of ["imputed_value_int64s", "replaced_value_int64"])
    if (ctx.node.attrs.has(name)) ctx.refuse(`${name}: integer imputation is not supported (float rows only)`);
  const x = ctx.row(0);
  if (x.shape.length === 0) ctx.refuse("the input has no feature dimension");
  // One value for every feature, or one per feature of the last dimension (ONNX: [*, F]).
  const features = x.shape[x.shape.length - 1]!,
    width = prod(x.shape);
  const values = ctx.floats("imputed_value_floats");
  if (values.length !== 1 && values.length !== features)
    ctx.refuse(`${values.length} imputed_value_floats for ${features} features (need 1 or ${features})`);
  // The ONNX default is 0.0; skl2onnx always writes it (NaN for missing_values=np.nan).
  const replaced = ctx.attr("replaced_value_float", 0);
  ctx.reserve(width, "imputed_value_floats");
  const w = Float64Array.from({ length: width }, (_, i) => values[values.length === 1 ? 0 : i % features]!);
  const v = ctx.graph.op(x.v, { opcode: Opcode.Impute, alpha: replaced, w, shape: x.shape });
  return { kind: "row", v, shape: x.shape };
}
