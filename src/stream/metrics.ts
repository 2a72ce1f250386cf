/**
 * The stream's counters and latency histogram, and an optional HTTP endpoint serving them in
 * Prometheus' text format (/metrics) and a health check (/health: 200 while connected).
 */
import { createServer, type Server } from "node:http";

/** Upper bounds of the latency buckets, in seconds (message received → prediction handed to the client). */
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export class StreamMetrics {
  messagesIn = 0;
  messagesOut = 0;
  /** Messages dropped because the outgoing queue was full (or the client offline at QoS 0). */
  dropped = 0;
  /** Messages that came again after a reconnect (the broker's dup flag). */
  duplicates = 0;
  evictedKeys = 0;
  keys = 0;
  queueDepth = 0;
  reconnects = 0;
  connected = false;
  readonly errors = new Map<string, number>();
  private readonly counts = new Float64Array(BUCKETS.length + 1);
  private latencySum = 0;

  error(reason: string): void {
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + 1);
  }

  observe(seconds: number): void {
    let i = 0;
    while (i < BUCKETS.length && seconds > BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.latencySum += seconds;
  }

  /** Prometheus text exposition. */
  text(): string {
    const l: string[] = [];
    const counter = (name: string, help: string, v: number, type = "counter") =>
      l.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${v}`);
    counter("edgeinfer_stream_messages_in_total", "Messages received.", this.messagesIn);
    counter("edgeinfer_stream_messages_out_total", "Predictions published.", this.messagesOut);
    counter(
      "edgeinfer_stream_dropped_total",
      "Messages dropped (outgoing queue full or offline at QoS 0).",
      this.dropped,
    );
    counter("edgeinfer_stream_duplicates_total", "Messages received again after a reconnect.", this.duplicates);
    counter("edgeinfer_stream_evicted_keys_total", "Window keys evicted at the key cap.", this.evictedKeys);
    counter("edgeinfer_stream_reconnects_total", "Reconnections to the broker.", this.reconnects);
    counter("edgeinfer_stream_keys", "Keys with window state.", this.keys, "gauge");
    counter(
      "edgeinfer_stream_queue_depth",
      "Predictions waiting for the broker's acknowledgement.",
      this.queueDepth,
      "gauge",
    );
    counter("edgeinfer_stream_connected", "1 while connected to the broker.", this.connected ? 1 : 0, "gauge");
    l.push(
      "# HELP edgeinfer_stream_errors_total Messages not scored, by reason.",
      "# TYPE edgeinfer_stream_errors_total counter",
    );
    for (const [r, n] of this.errors) l.push(`edgeinfer_stream_errors_total{reason="${r}"} ${n}`);
    l.push(
      "# HELP edgeinfer_stream_latency_seconds Message received to prediction published.",
      "# TYPE edgeinfer_stream_latency_seconds histogram",
    );
    let cum = 0;
    BUCKETS.forEach((b, i) => {
      cum += this.counts[i]!;
      l.push(`edgeinfer_stream_latency_seconds_bucket{le="${b}"} ${cum}`);
    });
    cum += this.counts[BUCKETS.length]!;
    l.push(`edgeinfer_stream_latency_seconds_bucket{le="+Inf"} ${cum}`);
    l.push(`edgeinfer_stream_latency_seconds_sum ${this.latencySum}`, `edgeinfer_stream_latency_seconds_count ${cum}`);
    return `${l.join("\n")}\n`;
  }
}

/** Serves /metrics and /health on 127.0.0.1:port (0: a free port); resolves once listening. */
export async function serveMetrics(metrics: StreamMetrics, port: number, host = "127.0.0.1"): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(metrics.text());
    } else if (req.url === "/health") {
      res.writeHead(metrics.connected ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify({ connected: metrics.connected }));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
