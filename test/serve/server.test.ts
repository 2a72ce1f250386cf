// The HTTP server's limits and defaults over real loopback sockets: the bearer token, the body
// limit, header and body timeouts (a slow client gets 408 and cannot stall others), model
// names that cannot leave the folder, CORS only when asked, 127.0.0.1 by default.
import { symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelFolder, ONNX, post, type Running, serve, v2Request } from "../helpers/serve.js";

const row = [[5.1, 3.5, 1.4, 0.2]];
const iris = () => modelFolder({ "iris.onnx": join(ONNX, "skl_lr_iris_string_labels.onnx") });

/** Sends raw bytes and reads until the server closes the connection. */
function raw(port: number, chunks: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let got = "";
    sock.on("data", (d) => {
      got += d.toString("latin1");
    });
    sock.on("error", reject);
    sock.on("close", () => resolve(got));
    sock.on("connect", () => {
      for (const c of chunks) sock.write(c);
    });
  });
}

/** Waits (without a deadline of its own: the test's timeout bounds it) until cond holds. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

/** A request whose path goes out as written (fetch would resolve "..", node:http does not). */
function statusOf(port: number, method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method, path, headers: { "content-type": "application/json" } },
      (res) => {
        res.resume();
        resolve(res.statusCode!);
      },
    );
    req.on("error", reject);
    req.end(method === "POST" ? "{}" : undefined);
  });
}

describe("bearer token", () => {
  let s: Running;
  beforeAll(async () => {
    const dir = iris();
    writeFileSync(join(dir, "..token"), "s3cret-token\n"); // not a model name: never served
    s = await serve(dir, { tokenFile: join(dir, "..token") });
  });
  afterAll(() => s.close());

  it("is needed on every route but the health checks", async () => {
    expect((await fetch(`${s.url}/v2/health/live`)).status).toBe(200);
    expect((await fetch(`${s.url}/v2/health/ready`)).status).toBe(200);
    for (const path of ["/v2", "/v2/models/iris", "/metrics", "/v1/models/iris", "/v2/models/nope"]) {
      const r = await fetch(`${s.url}${path}`);
      expect([path, r.status, r.headers.get("www-authenticate")]).toEqual([path, 401, "Bearer"]);
    }
    expect((await post(`${s.url}/v2/models/iris/infer`, v2Request(row))).status).toBe(401);
    expect((await post(`${s.url}/v2/repository/models/iris/unload`, {})).status).toBe(401);
  });

  it("a wrong or partial token is refused; the right one passes", async () => {
    for (const auth of ["Bearer s3cret", "Bearer s3cret-token2", "Basic s3cret-token", "s3cret-token", "Bearer "]) {
      const r = await post(`${s.url}/v2/models/iris/infer`, v2Request(row), { authorization: auth });
      expect([auth, r.status]).toEqual([auth, 401]);
    }
    const ok = await post(`${s.url}/v2/models/iris/infer`, v2Request(row), { authorization: "Bearer s3cret-token" });
    expect(ok.status).toBe(200);
  });
});

describe("limits", () => {
  let s: Running;
  beforeAll(async () => {
    s = await serve(iris(), { maxBodyBytes: 1000, headerTimeoutMs: 150, bodyTimeoutMs: 300 });
  });
  afterAll(() => s.close());

  it("413 past --max-body, by content-length or while streaming", async () => {
    const big = JSON.stringify(v2Request(Array.from({ length: 80 }, () => row[0]!)));
    const r = await post(`${s.url}/v2/models/iris/infer`, big);
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("E_TOO_LARGE");
    const chunked = await raw(s.port, [
      "POST /v2/models/iris/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
      `${(2000).toString(16)}\r\n${" ".repeat(2000)}\r\n`,
    ]);
    expect(chunked).toMatch(/^HTTP\/1\.1 413 /);
    const small = await post(`${s.url}/v2/models/iris/infer`, v2Request(row));
    expect(small.status).toBe(200);
  });

  it("a client that never finishes its headers gets 408 and is cut off", async () => {
    const got = await raw(s.port, ["POST /v2/models/iris/infer HTTP/1.1\r\nhost: x\r\n"]);
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("a client that never finishes its body gets 408; the version it pinned is released", async () => {
    const got = await raw(s.port, [
      "POST /v2/models/iris/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{",
    ]);
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
    const v = s.server.repository.models.get("iris")!.versions.get(1)!;
    await until(() => v.refs === 0); // the server sees the socket close after the client does
    expect(v.refs).toBe(0);
    expect((await post(`${s.url}/v2/models/iris/infer`, v2Request(row))).status).toBe(200);
  });

  it("binds 127.0.0.1 by default; no CORS headers unless asked", async () => {
    expect((s.server.http.address() as { address: string }).address).toBe("127.0.0.1");
    const r = await fetch(`${s.url}/v2/models/iris`, { headers: { origin: "http://evil.example" } });
    expect(r.headers.get("access-control-allow-origin")).toBe(null);
    expect((await fetch(`${s.url}/v2/models/iris/infer`, { method: "OPTIONS" })).status).toBe(405);
  });
});

describe("model names cannot reach outside the folder", () => {
  let s: Running;
  beforeAll(async () => {
    const outside = modelFolder({ "secret.onnx": join(ONNX, "skl_lr_iris_string_labels.onnx") });
    const dir = iris();
    symlinkSync(join(outside, "secret.onnx"), join(dir, "leak.onnx"));
    s = await serve(dir, { control: "watch" });
  });
  afterAll(() => s.close());

  it("path segments that are not names are 400, and a symlink out of the folder is not served", async () => {
    for (const path of [
      "/v2/models/..%2F..%2Fetc%2Fpasswd",
      "/v2/models/../infer",
      "/v2/models/%2e%2e/infer",
      "/v2/models/a%2Fb/ready",
      "/v2/models/%00/ready",
      "/v2/models/.hidden",
      "/v2/models/%E0%A4%A/ready",
    ]) {
      expect([path, await statusOf(s.port, "GET", path)]).toEqual([path, 400]);
    }
    for (const name of ["..%2F..%2Ftmp%2Fx", "..", "a%5Cb", "%2e%2e"]) {
      const path = `/v2/repository/models/${name}/load`;
      expect([path, await statusOf(s.port, "POST", path)]).toEqual([path, 400]);
    }
    expect((await fetch(`${s.url}/v2/models/leak`)).status).toBe(404);
    expect((await post(`${s.url}/v2/repository/models/leak/load`, {})).status).toBe(404);
    expect([...s.server.repository.models.keys()]).toEqual(["iris"]);
  });
});

describe("CORS on request", () => {
  let s: Running;
  beforeAll(async () => {
    s = await serve(iris(), { cors: "https://app.example" });
  });
  afterAll(() => s.close());

  it("answers preflights and names the one origin", async () => {
    const pre = await fetch(`${s.url}/v2/models/iris/infer`, { method: "OPTIONS" });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const r = await post(`${s.url}/v2/models/iris/infer`, v2Request(row));
    expect(r.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(r.headers.get("access-control-expose-headers")).toContain("x-model-version");
  });
});

describe("close(): the drain behind SIGTERM", () => {
  it("answers the request in flight (with connection: close), then resolves", async () => {
    const s = await serve(iris());
    const body = JSON.stringify(v2Request(row));
    const sock = connect(s.port, "127.0.0.1");
    let got = "";
    sock.on("data", (d) => {
      got += d.toString();
    });
    await new Promise((r) => sock.on("connect", r));
    sock.write(
      `POST /v2/models/iris/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
    );
    const v = s.server.repository.models.get("iris")!.versions.get(1)!;
    await until(() => v.refs === 1);
    let closed = false;
    const closing = s.server.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    expect(s.server.http.listening).toBe(false);
    sock.end(body);
    await closing;
    await new Promise((r) => sock.on("close", r));
    expect(got).toMatch(/^HTTP\/1\.1 200 /);
    expect(got.toLowerCase()).toContain("connection: close");
    expect(s.server.repository.runtime.models.size).toBe(0);
  });
});
