/**
 * edgeinfer/drift: drift statistics and change detectors for a host that serves, batches or
 * streams predictions (docs/drift.md). Pure functions and small classes; no runtime needed.
 */
export { Adwin, type AdwinOptions, PageHinkley, type PageHinkleyOptions } from "./detectors.js";
export { binOf, buildProfile, DEFAULT_BINS, type ProfileInput, quantileEdges, quantileLinear } from "./profile.js";
export { reportSvg, reportText } from "./render.js";
export {
  type ColumnDrift,
  type CurrentColumn,
  type CurrentData,
  columnDrift,
  currentColumn,
  DRIFT_DEFAULTS,
  type DriftOptions,
  type DriftReport,
  driftReport,
  reportJson,
  type StatTest,
} from "./report.js";
export {
  chiSquarePValue,
  jensenShannon,
  ksExact,
  ksFromBins,
  ksPValue,
  PSI_EPSILON,
  psi,
  wassersteinExact,
} from "./stats.js";
