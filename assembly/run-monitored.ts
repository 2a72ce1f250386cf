// The one-step fast paths with the drift monitor (assembly/kernels/monitor.ts) counting the row
// after it is predicted, in the same call: the JavaScript runtime calls these for a monitored
// linear or logistic regression. Other plans call run or runBatch, then monitorRows (one call
// more per row or batch; a second copy of the interpreter would cost more bytes than it saves).
// Separate from run.ts, so that `edgeinfer build`'s standalone modules never hold them.
// mon: the monitor block the host laid out at load.
import { ACT_LOGISTIC_PAIR } from "./abi";
import { denseNarrowF32, narrowRowScalar } from "./kernels/dense";
import { monitorRows } from "./kernels/monitor";

/** runNarrowPair(), then the row (at rowIn, its outputs at rowOut) counted. */
export function runNarrowPairMonitored(x: usize, wt: usize, b: usize, y: usize, nIn: i32, mon: usize, rowIn: usize, rowOut: usize): void {
  narrowRowScalar(ACT_LOGISTIC_PAIR, x, wt, b, y, nIn, 2, 0, 0);
  monitorRows(mon, rowIn, rowOut, 0, 1);
}

/** runNarrow(), then the row counted. */
export function runNarrowMonitored(x: usize, wt: usize, b: usize, y: usize, nIn: i32, nOut: i32, act: u32, alpha: f32, beta: f32, mon: usize, rowIn: usize, rowOut: usize): void {
  denseNarrowF32(x, 0, wt, b, y, 0, nIn, nOut, 1, act, alpha, beta);
  monitorRows(mon, rowIn, rowOut, 0, 1);
}
