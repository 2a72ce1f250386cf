/** Every ONNX operator family, registered once: a new family is a file and one line here. */

import { OnnxOpRegistry } from "../registry.js";
import * as dense from "./dense.js";
import * as elementwise from "./elementwise.js";
import * as imputer from "./imputer.js";
import * as ml from "./ml.js";
import * as mlTreeEnsemble from "./ml-tree-ensemble.js";
import * as mlTrees from "./ml-trees.js";
import * as pipeline from "./pipeline.js";
import * as quant from "./quant.js";
import * as reduce from "./reduce.js";
import * as shape from "./shape.js";
import * as svm from "./svm.js";

export const ONNX_OPS = new OnnxOpRegistry();
dense.register(ONNX_OPS);
elementwise.register(ONNX_OPS);
reduce.register(ONNX_OPS);
shape.register(ONNX_OPS);
quant.register(ONNX_OPS);
ml.register(ONNX_OPS);
imputer.register(ONNX_OPS);
mlTrees.register(ONNX_OPS);
mlTreeEnsemble.register(ONNX_OPS);
pipeline.register(ONNX_OPS);
svm.register(ONNX_OPS);
