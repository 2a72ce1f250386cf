// The batch, sql and stream commands' help and usage errors, and `edgeinfer stream` end to end
// on its embedded broker (aedes), checked against scikit-learn's predictions.
import { createServer } from "node:net";
import { PassThrough } from "node:stream";
import mqtt from "mqtt";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { fixture } from "../helpers/batch.js";
import { cli } from "../helpers/cli.js";
import { expectAllClose, TOL } from "../helpers/close.js";

const f = fixture("skl_lr_multinomial_iris");

describe("batch, sql and stream on the command line", () => {
  it.each([
    ["batch", "--rescore"],
    ["sql", "--model <name=path>"],
    ["stream", "--windows <config.json>"],
  ])("%s --help", async (command, option) => {
    const r = await cli([command, "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: edgeinfer ${command}`);
    expect(r.out).toContain(option);
  });

  it.each([
    [["batch", f.onnxPath], "batch needs one of --db, --csv or --parquet"],
    [["batch", f.onnxPath, "--db", "x.sqlite"], "batch --db needs --table <source> and --into <target>"],
    [
      ["batch", f.onnxPath, "--db", "x.txt", "--table", "a", "--into", "b"],
      "--db x.txt: the name must end in .sqlite, .sqlite3 or .db (SQLite) or .duckdb (DuckDB)",
    ],
    [
      ["sql", "x.sqlite", "select 1", "--model", "1x=m.onnx"],
      "--model takes name=path with a SQL function name, not 1x=m.onnx",
    ],
    [
      ["stream", f.onnxPath, "--mqtt", "mqtt://127.0.0.1:1", "--in", "a/+", "--out", "b/{2}"],
      "{2} in --out, but --in a/+ has 1 wildcard level(s)",
    ],
  ])("%j is a usage error", async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`error[E_USAGE]: ${message}\nRun "edgeinfer --help" for usage.\n`);
  });

  it("stream --embedded-broker --count 20: every prediction scikit-learn's", async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    const port = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
    const url = `mqtt://127.0.0.1:${port}`;
    const stdout = new PassThrough(),
      stderr = new PassThrough();
    let out = "",
      err = "";
    stdout.on("data", (x) => (out += x));
    // The stream says so on stderr once it is subscribed: publishing starts then.
    const subscribed = new Promise<void>((resolve) =>
      stderr.on("data", (x) => {
        err += x;
        if (err.includes("stream: ")) resolve();
      }),
    );
    const args = ["stream", f.onnxPath, "--mqtt", url, "--in", "s/+/r", "--out", "p/{1}", "--embedded-broker"];
    const run = main([...args, "--count", "20"], { stdout, stderr, stdin: new PassThrough() });
    await subscribed;
    const c = mqtt.connect(url, { reconnectPeriod: 0 });
    await new Promise((r) => c.once("connect", r));
    const got = new Map<number, { output_label: number; output_probability: number[] }>();
    c.on("message", (_t, p) => {
      const x = JSON.parse(p.toString());
      got.set(x.id, x);
    });
    await c.subscribeAsync("p/#", { qos: 1 });
    for (let i = 0; i < 20; i++)
      await c.publishAsync("s/a/r", JSON.stringify({ id: i, features: f.ref.inputs[i] }), { qos: 1 });
    const code = await run;
    for (let k = 0; k < 100 && got.size < 20; k++) await new Promise((res) => setTimeout(res, 10));
    await c.endAsync();
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ in: 20, out: 20, errors: 0, dropped: 0, duplicates: 0, evictedKeys: 0 });
    const ids = [...got.keys()].sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(ids.map((i) => got.get(i)!.output_label)).toEqual(f.ref.expected.predict);
    expectAllClose(
      ids.flatMap((i) => got.get(i)!.output_probability),
      (f.ref.expected.predict_proba as number[][]).flat(),
      TOL.framework,
    );
  });
});
