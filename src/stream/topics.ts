/**
 * MQTT topic filters: matching a topic against a filter with `+` and `#`, and the output topic
 * template, where `{1}`, `{2}`, … are the topic levels the filter's `+`s bound (in order).
 */

/** The levels each `+` bound (and, for a trailing `#`, the rest joined), or undefined when the topic does not match. */
export function matchTopic(filter: string, topic: string): string[] | undefined {
  const f = filter.split("/"),
    t = topic.split("/");
  const bound: string[] = [];
  for (let i = 0; i < f.length; i++) {
    const p = f[i]!;
    if (p === "#") {
      bound.push(t.slice(i).join("/"));
      return bound;
    }
    if (i >= t.length) return undefined;
    if (p === "+") bound.push(t[i]!);
    else if (p !== t[i]) return undefined;
  }
  return t.length === f.length ? bound : undefined;
}

/** The output topic: `{n}` replaced by the n-th bound level (1-based); a `{n}` with nothing bound stays empty. */
export function outputTopic(template: string, bound: readonly string[]): string {
  return template.replace(/\{([1-9][0-9]*)\}/g, (_, n: string) => bound[Number(n) - 1] ?? "");
}

/** Checks a template against its filter: every `{n}` has a wildcard to bind it. */
export function templateProblem(filter: string, template: string): string | undefined {
  const nWild = filter.split("/").filter((p) => p === "+" || p === "#").length;
  for (const m of template.matchAll(/\{([0-9]+)\}/g)) {
    const n = Number(m[1]);
    if (n < 1 || n > nWild) return `${m[0]} in --out, but --in ${filter} has ${nWild} wildcard level(s)`;
  }
  return undefined;
}
