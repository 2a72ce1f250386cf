#!/usr/bin/env bash
# Builds the C host for edgeinfer's scalar interpreter and checks it against
# scikit-learn on the logistic-regression demo. Works from any directory.
#
#   1. wasm2c build/edgeinfer.scalar.wasm -> out/edgeinfer.{c,h}
#   2. gcc -O2: main.c + the translated module + the wasm2c runtime -> out/edgeinfer-host
#   3. pack examples/logistic-regression/model.json -> out/lr.eim (and validate it)
#   4. run the host on examples/logistic-regression/data.csv
#   5. compare with proba.csv (scikit-learn predict_proba): max |diff| <= 1e-6
#
# Needs: wabt (wasm2c + its runtime sources), gcc, and node for packing (the
# host itself runs no JavaScript). Run `npm run build` in the repo first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

ROOT=../..
OUT=out
WASM=$ROOT/build/edgeinfer.scalar.wasm
DEMO=$ROOT/examples/logistic-regression
TOLERANCE=1e-6

die() { echo "build.sh: $*" >&2; exit 1; }

command -v wasm2c >/dev/null || die "wasm2c not found (apt-get install -y wabt)"
command -v gcc >/dev/null || die "gcc not found (apt-get install -y gcc)"
command -v node >/dev/null || die "node not found (needed to pack the demo model)"
[[ -f $WASM ]] || die "$WASM is missing: run 'npm run build' (or 'node scripts/build-wasm.mjs') in the repo"

# The wasm2c runtime: Debian's wabt ships its sources in one of these places.
RT_DIR=
for d in /usr/share/wabt/wasm2c /usr/src/wasm2c; do
  if [[ -f $d/wasm-rt-impl.c && -f $d/wasm-rt-impl.h ]]; then RT_DIR=$d; break; fi
done
[[ -n $RT_DIR ]] || die "wasm2c runtime sources (wasm-rt-impl.c) not found; is wabt installed?"

rm -rf "$OUT"
mkdir -p "$OUT"

# 1. Translate. Only the scalar build: wasm2c 1.0.32 aborts on SIMD opcodes.
wasm2c "$WASM" -n edgeinfer -o "$OUT/edgeinfer.c"

# 2. Compile (default gnu11: the runtime does not build with -std=c11). The
#    runtime is compiled from source rather than linked from libwasm-rt-impl.a
#    so that its configuration (bounds checks via guard pages and a signal
#    handler, on 64-bit Linux) is the one the translated module is compiled with.
CFLAGS=(-O2 -I "$OUT" -I "$RT_DIR")
gcc "${CFLAGS[@]}" -Wall -Wextra -c main.c -o "$OUT/main.o"
gcc "${CFLAGS[@]}" -c "$OUT/edgeinfer.c" -o "$OUT/edgeinfer.o"
gcc "${CFLAGS[@]}" -c "$RT_DIR/wasm-rt-impl.c" -o "$OUT/wasm-rt-impl.o"
gcc "$OUT/main.o" "$OUT/edgeinfer.o" "$OUT/wasm-rt-impl.o" -lm -o "$OUT/edgeinfer-host"
echo "built $OUT/edgeinfer-host ($(stat -c %s "$OUT/edgeinfer-host") bytes)"

# 3. Pack and validate the demo model: the interpreter trusts the image.
if [[ -f $ROOT/bin/edgeinfer.js && -f $ROOT/dist/src/cli/main.js ]]; then
  node "$ROOT/bin/edgeinfer.js" pack "$DEMO/model.json" -o "$OUT/lr.eim"
  node "$ROOT/bin/edgeinfer.js" inspect "$OUT/lr.eim" >/dev/null
else
  [[ -f $ROOT/dist/src/pack.js ]] || die "$ROOT/dist is missing: run 'npm run build' in the repo"
  node --input-type=module - "$ROOT" "$DEMO/model.json" "$OUT/lr.eim" <<'JS'
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
const [root, model, out] = process.argv.slice(2);
const dist = (p) => pathToFileURL(resolve(root, "dist/src", p)).href;
const { pack } = await import(dist("pack.js"));
const { readImage } = await import(dist("format/read.js"));
const image = pack(readFileSync(model, "utf8"));
readImage(image); // the same checks as `edgeinfer inspect`; throws on a bad image
writeFileSync(out, image);
JS
fi
echo "packed $OUT/lr.eim ($(stat -c %s "$OUT/lr.eim") bytes)"

# 4. Run: data.csv has x1,x2,y, the model takes the first two columns.
"$OUT/edgeinfer-host" "$OUT/lr.eim" "$DEMO/data.csv" --first-columns >"$OUT/predictions.csv"
tail -n 1 "$OUT/predictions.csv"

# 5. Compare every output with scikit-learn's predict_proba (p0,p1).
node ../c-host/compare.mjs "$OUT/predictions.csv" "$DEMO/proba.csv" "$TOLERANCE"
