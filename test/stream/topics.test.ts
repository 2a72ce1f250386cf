// MQTT topic filters (the MQTT 3.1.1 spec's examples, section 4.7) and the {n} output template.
import { describe, expect, it } from "vitest";
import { matchTopic, outputTopic, templateProblem } from "../../src/stream/topics.js";

describe("topics", () => {
  it.each([
    ["sport/tennis/player1/#", "sport/tennis/player1", [""]],
    ["sport/tennis/player1/#", "sport/tennis/player1/ranking", ["ranking"]],
    ["sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", ["score/wimbledon"]],
    ["sport/+", "sport/", [""]],
    ["sport/+/player1", "sport/tennis/player1", ["tennis"]],
    ["+/+", "/finance", ["", "finance"]],
    ["sensors/+/reading", "sensors/s1/reading", ["s1"]],
  ])("%s matches %s", (filter, topic, bound) => {
    expect(matchTopic(filter, topic)).toEqual(bound);
  });

  it.each([
    ["sport/+", "sport"],
    ["sport/tennis/+", "sport/tennis/player1/ranking"],
    ["sensors/+/reading", "sensors/s1/other"],
  ])("%s does not match %s", (filter, topic) => {
    expect(matchTopic(filter, topic)).toBeUndefined();
  });

  it("fills {n} with the bound levels; refuses {n} without a wildcard", () => {
    expect(outputTopic("predictions/{1}/{2}", ["a", "b"])).toBe("predictions/a/b");
    expect(templateProblem("sensors/+/reading", "predictions/{1}")).toBeUndefined();
    expect(templateProblem("sensors/+/reading", "predictions/{2}")).toBe(
      "{2} in --out, but --in sensors/+/reading has 1 wildcard level(s)",
    );
  });
});
