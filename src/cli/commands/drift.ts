/** `edgeinfer drift`: current rows against the reference profile (the image's, or one made from --reference rows). */
import { reportSvg, reportText } from "../../drift/render.js";
import { currentColumn, type DriftOptions, driftReport, reportJson, type StatTest } from "../../drift/report.js";
import { MAX_BINS, MIN_BINS, outputChannels } from "../../format/profile.js";
import type { ImageInfo } from "../../format/types.js";
import { writeFileAtomic } from "../../io/files.js";
import { Model } from "../../runtime/runtime.js";
import { modelImage, oneStdin } from "../model-input.js";
import { type Command, UsageError } from "../options.js";
import {
  IGNORE_COLUMNS_OPTION,
  ignoredColumns,
  type NamedRows,
  predictRows,
  profileOf,
  readNamedRows,
} from "../reference.js";

const column = (values: ArrayLike<number>, nRows: number, stride: number, col: number): Float64Array => {
  const out = new Float64Array(nRows);
  for (let r = 0; r < nRows; r++) out[r] = values[r * stride + col]!;
  return out;
};
const sorted = (x: Float64Array) => x.filter((v) => !Number.isNaN(v)).sort();

export const driftCommand: Command = {
  name: "drift",
  positionals: ["<model>", "<current.csv|current.json|->"],
  summary: `Compares current rows (CSV or JSON, columns by feature name) with the model's reference
profile (pack --reference) or with --reference rows, feature by feature and on the model's
outputs: PSI, Kolmogorov-Smirnov, Jensen-Shannon and Wasserstein/std, Evidently's default test
per column, and dataset drift when at least half of the features drift (docs/drift.md).`,
  options: [
    {
      name: "reference",
      value: "train.csv",
      help: `the reference rows themselves (CSV or JSON): the profile is made from
them and KS and Wasserstein are exact (default: the image's profile)`,
    },
    {
      name: "json",
      help: `print JSON: {"features": {name: {"psi", "ks", "js", "wasserstein",
"drift", …}}, "outputs": {…}, "dataset_drift", "share", …}`,
    },
    { name: "svg", value: "out.svg", help: "also write the report as an SVG chart" },
    {
      name: "bins",
      value: "N",
      int: [MIN_BINS, MAX_BINS],
      help: "with --reference: quantile bins (default: the image profile's, else 10)",
    },
    {
      name: "stattest",
      value: "test",
      choices: ["auto", "ks", "chisquare", "wasserstein", "jensenshannon"],
      help: "the test that decides drift per column (default auto: Evidently's choice)",
    },
    { name: "threshold", value: "x", help: "the decision threshold of that test (p-value 0.05, distances 0.1)" },
    { name: "drift-share", value: "x", help: "share of drifting features from which the dataset drifts (default 0.5)" },
    { name: "no-chart", help: "text: the table only, without the bins side by side" },
    IGNORE_COLUMNS_OPTION,
  ],
  async run(a, io) {
    const [modelPath, curPath] = a.positionals as [string, string];
    const refPath = a.values.reference as string | undefined;
    oneStdin([modelPath, curPath, refPath]);
    const num = (name: string): number | undefined => {
      const v = a.values[name];
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!(Number.isFinite(n) && n >= 0 && n <= 1e6))
        throw new UsageError(`--${name} takes a number, not ${String(v)}`);
      return n;
    };
    const test =
      a.values.stattest === undefined || a.values.stattest === "auto" ? undefined : (a.values.stattest as StatTest);
    const threshold = num("threshold");
    const options: DriftOptions = {
      ...(test ? { test } : {}),
      ...(num("drift-share") !== undefined ? { datasetShare: num("drift-share")! } : {}),
      ...(threshold !== undefined
        ? test === "wasserstein"
          ? { wasserstein: threshold }
          : test === "jensenshannon"
            ? { jensenShannon: threshold }
            : test
              ? { pValue: threshold }
              : { pValue: threshold, wasserstein: threshold, jensenShannon: threshold }
        : {}),
    };
    const model = Model.load(await modelImage(modelPath, a, io), { allowNaN: true });
    try {
      const info = model.info;
      let refRows: NamedRows | undefined;
      let profile = info.profile;
      if (refPath !== undefined) {
        refRows = await readNamedRows(refPath, info, io, ignoredColumns(a.values["ignore-columns"]));
        profile = profileOf(model, refRows, (a.values.bins as number | undefined) ?? info.profile?.bins);
      } else if (a.values.bins !== undefined) throw new UsageError("--bins is for --reference");
      if (!profile)
        throw new UsageError(
          "the model has no reference profile: pack it with --reference train.csv, or give --reference train.csv here",
        );
      const cur = await readNamedRows(curPath, info, io, ignoredColumns(a.values["ignore-columns"]));
      const nIn = info.inputLength,
        nOut = info.outputLength;
      const curOut = predictRows(model, cur);
      const p = profile;
      const features = p.features.map((f, i) => currentColumn(f, column(cur.values, cur.nRows, nIn, i)));
      const outputs = p.outputs.map((f, i) => {
        const c = outChannelColumn(info, i);
        return currentColumn(f, column(curOut, cur.nRows, nOut, c));
      });
      let referenceValues: { features: Float64Array[]; outputs: Float64Array[] } | undefined;
      if (refRows) {
        const refOut = predictRows(model, refRows);
        const r = refRows;
        referenceValues = {
          features: p.features.map((_, i) => sorted(column(r.values, r.nRows, nIn, i))),
          outputs: p.outputs.map((_, i) => sorted(column(refOut, r.nRows, nOut, outChannelColumn(info, i)))),
        };
      }
      const report = driftReport(p, { features, outputs }, options, referenceValues);
      if (a.values.svg !== undefined) writeFileAtomic(String(a.values.svg), reportSvg(report));
      io.stdout.write(
        a.values.json
          ? JSON.stringify(reportJson(report), null, 2) + "\n"
          : reportText(report, a.values["no-chart"] !== true) + "\n",
      );
      return 0;
    } finally {
      model.dispose();
    }
  },
};

const channelCache = new WeakMap<ImageInfo, number[]>();
function outChannelColumn(info: ImageInfo, i: number): number {
  let cols = channelCache.get(info);
  if (!cols) channelCache.set(info, (cols = outputChannels(info.outputs).map((c) => c.column)));
  return cols[i]!;
}
