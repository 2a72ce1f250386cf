/** `edgeinfer pack`: a model → a packed image file (written whole or not at all). */
import { createHash } from "node:crypto";
import { annotateImage } from "../../format/annotate.js";
import { MAX_BINS, MIN_BINS } from "../../format/profile.js";
import { readImage } from "../../format/read.js";
import { writeFileAtomic } from "../../io/files.js";
import { Model } from "../../runtime/runtime.js";
import { describeProfile, describeProvenance, describeQuantization } from "../describe.js";
import { imageOf, modelLengthOf, oneStdin, PACK_OPTIONS, readInputBytes } from "../model-input.js";
import { type Command, UsageError } from "../options.js";
import { IGNORE_COLUMNS_OPTION, ignoredColumns, profileOf, readNamedRows } from "../reference.js";

export const PACKER = "edgeinfer 0.1.0";

const BYTE_SUFFIXES: Record<string, number> = { "": 1, k: 2 ** 10, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 };

/** "64k" → 65536: digits and an optional binary suffix (k or K, M, G); undefined unless that and at least 1. */
export function parseByteCount(text: string): number | undefined {
  const m = /^([0-9]+)([kKMG]?)$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]) * BYTE_SUFFIXES[m[2]!]!;
  return n >= 1 && Number.isSafeInteger(n) ? n : undefined;
}

export const packCommand: Command = {
  name: "pack",
  positionals: ["<model.onnx|model.tflite|model.json>"],
  summary: `Packs an ONNX model (docs/onnx.md), a TensorFlow Lite model (docs/tflite.md), a JSON model
(docs/json-models.md) or XGBoost's own JSON model file (save_model; docs/trees.md) into a packed
image (docs/format.md). The model can be read from stdin ("-").`,
  options: [
    { name: "output", short: "o", value: "out.eim", required: true, help: "where pack writes the image" },
    ...PACK_OPTIONS.map((o) => ({ ...o, group: undefined })),
    {
      name: "max-bytes",
      value: "N",
      help: `a budget: refuse (error[E_TOO_LARGE], naming the tensor) a model whose
image and arena together would pass N bytes (4096, 64k, 16M, 1G), checked
before anything that large is allocated; default: only the format's limits`,
    },
    {
      name: "reference",
      value: "train.csv",
      help: `training rows (CSV or JSON, columns by feature name; other columns left
out): the image keeps their profile for drift (docs/drift.md): per feature
and output count, missing, mean, std, min, max and quantile bins`,
    },
    {
      name: "bins",
      value: "N",
      int: [MIN_BINS, MAX_BINS],
      help: "with --reference: quantile bins per column (default 10, deciles)",
    },
    IGNORE_COLUMNS_OPTION,
    {
      name: "provenance",
      help: `record the packer and the source file's SHA-256 in the image (also with
--reference and --timestamp); inspect shows them`,
    },
    {
      name: "timestamp",
      help: "with the provenance, the packing time (off by default: the same inputs give the same bytes)",
    },
  ],
  async run(a, io) {
    const dest = String(a.values.output);
    const budget = a.values["max-bytes"];
    if (budget !== undefined) {
      const n = parseByteCount(String(budget));
      if (n === undefined)
        throw new UsageError(`--max-bytes takes a number of bytes such as 4096, 64k, 16M or 1G, not ${budget}`);
      a.values["max-bytes"] = n; // packOptions() passes it on as maxBytes
    }
    const src = a.positionals[0]!;
    const ref = a.values.reference as string | undefined;
    if (a.values.bins !== undefined && ref === undefined) throw new UsageError("--bins is for --reference");
    oneStdin([src, a.values.calibration as string | undefined, ref]);
    const source = await readInputBytes(src, io, modelLengthOf);
    let image = await imageOf(source, a, io);
    let info = readImage(image); // never write an image that would not load
    const provenance = {
      packer: PACKER,
      sourceSha256: createHash("sha256").update(source).digest("hex"),
      packedAt: a.values.timestamp ? Math.floor(Date.now() / 1000) : 0,
    };
    if (ref !== undefined) {
      const rows = await readNamedRows(ref, info, io, ignoredColumns(a.values["ignore-columns"]));
      const model = Model.load(image, { allowNaN: true });
      try {
        const profile = profileOf(model, rows, a.values.bins as number | undefined);
        image = annotateImage(
          image,
          { profile, provenance, featureNames: a.values["strip-names"] ? undefined : rows.featureNames },
          info,
        );
      } finally {
        model.dispose();
      }
    } else if (a.values.provenance || a.values.timestamp) image = annotateImage(image, { provenance }, info);
    info = readImage(image);
    writeFileAtomic(dest, image);
    const out = [
      `${dest}: ${image.length} bytes`,
      ...describeQuantization(info),
      ...describeProfile(info),
      ...describeProvenance(info),
    ];
    io.stdout.write(out.join("\n") + "\n");
    return 0;
  },
};
