import { renderedPlatformWorkflows, renderedWorkflowsByStack } from "../tools/render-workflows";
import { ACTIONS, usesOf } from "../workflows/actions";

describe("pinned actions", () => {
  it.each(Object.entries(ACTIONS))("%s is pinned to a full commit SHA with its release", (_key, ref) => {
    expect(ref.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(ref.version).toMatch(/^v?\d+\.\d+\.\d+$/);
    expect(usesOf(ref)).toBe(`${ref.action}@${ref.sha}`);
  });
});

it("pins CodeQL's init and analyze to the same release", () => {
  expect(ACTIONS.codeqlInit.sha).toBe(ACTIONS.codeqlAnalyze.sha);
});

it("pins only actions a rendered workflow uses: an unused pin is one more to keep current", () => {
  const rendered = [...renderedPlatformWorkflows().values(), ...[...renderedWorkflowsByStack().values()].flatMap((files) => [...files.values()])].join("\n");
  const unused = Object.entries(ACTIONS)
    .filter(([, ref]) => !rendered.includes(`uses: ${usesOf(ref)}`))
    .map(([key]) => key);
  expect(unused).toEqual([]);
});
