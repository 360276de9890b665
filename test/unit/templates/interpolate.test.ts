import assert from "node:assert/strict";
import { interpolate, namesIn } from "../../../reconciler/templates/interpolate.ts";

const values = new Map([
  ["params.path", "/var/log/app"],
  ["params.n", "10"],
  ["service.name", "web"],
  ["service.ports.http", "8080"],
]);

describe("interpolate", () => {
  const cases: { name: string; text: string; value: string; unknown: string[] }[] = [
    { name: "plain text is unchanged", text: "tail -F /x", value: "tail -F /x", unknown: [] },
    { name: "one name", text: "${{ params.path }}/app.log", value: "/var/log/app/app.log", unknown: [] },
    { name: "spaces inside the braces are optional", text: "${{service.name}}-${{  params.n  }}", value: "web-10", unknown: [] },
    { name: "several names in one string", text: "${{ service.name }}:${{ service.ports.http }}", value: "web:8080", unknown: [] },
    { name: "an unknown name is left as written and listed", text: "a ${{ params.pth }} b", value: "a ${{ params.pth }} b", unknown: ["params.pth"] },
    { name: "expressions are names, never code", text: "${{ 1 + 1 }}", value: "${{ 1 + 1 }}", unknown: ["1 + 1"] },
    { name: "prototype names are not found", text: "${{ constructor }}${{ __proto__ }}", value: "${{ constructor }}${{ __proto__ }}", unknown: ["constructor", "__proto__"] },
    { name: "a substituted value is not substituted again", text: "${{ params.x }}", value: "${{ params.path }}", unknown: [] },
    { name: "shell ${VAR} is not ours", text: "echo ${HOME} $((1+1))", value: "echo ${HOME} $((1+1))", unknown: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const table = new Map(values);
      table.set("params.x", "${{ params.path }}");
      const r = interpolate(c.text, table);
      assert.equal(r.value, c.value);
      assert.deepEqual(r.unknown.map((u) => u.name), c.unknown);
    });
  }

  it("namesIn lists every expression with its text as written", () => {
    assert.deepEqual(namesIn("${{ a }} and ${{b.c}}"), [
      { name: "a", expression: "${{ a }}" },
      { name: "b.c", expression: "${{b.c}}" },
    ]);
  });
});
