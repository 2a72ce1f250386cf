/** Registers every TFLite operator family (each file adds its builtins to TFLITE_OPS). */
import "./add.js";
import "./conv.js";
import "./fully-connected.js";
import "./pool.js";
import "./quantize.js";
import "./shape.js";
import "./softmax.js";

export { TFLITE_OPS } from "../registry.js";
