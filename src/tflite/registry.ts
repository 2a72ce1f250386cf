/** The TFLite operators the importer lowers: builtin code → lowering. One file per family in ./ops. */
import type { IrValue } from "../graph/ir.js";
import type { TfliteContext } from "./context.js";

/** Lowers ctx.op; returns the row value of each output. */
export type TfliteLowering = (ctx: TfliteContext) => IrValue[];

export const TFLITE_OPS = new Map<number, TfliteLowering>();
