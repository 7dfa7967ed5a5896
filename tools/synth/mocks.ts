import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/**
 * Stand-ins for what providers answer, with the shapes the real providers return. Every ID is
 * derived from the resource's name, so two runs produce identical output. A function the program
 * calls without a stand-in here fails loudly instead of returning an empty object the program would
 * misread.
 */
export const offlineMocks: pulumi.runtime.Mocks = {
  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    return { id: `${args.name}-id`, state: { ...args.inputs } };
  },

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    const stand = CALLS[args.token];
    if (!stand) {
      throw new Error(
        `Offline synth has no stand-in for ${args.token}. Add one to tools/synth/mocks.ts with the shape the provider returns.`,
      );
    }
    return stand(args.inputs as Record<string, unknown>);
  },
};

/** A positive number that looks like a GitHub database ID, stable for a given login or slug. */
export function stableNumericId(kind: string, key: string): number {
  return 10_000_000 + (createHash("sha256").update(`${kind}:${key}`).digest().readUInt32BE(0) % 89_999_999);
}

const CALLS: Readonly<Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>> = {
  "github:index/getUser:getUser": (inputs) => {
    const login = String(inputs.username);
    const id = stableNumericId("user", login);
    return { id: String(id), login, name: login, nodeId: `U_synth${id}` };
  },
  "github:index/getTeam:getTeam": (inputs) => {
    const slug = String(inputs.slug);
    const id = stableNumericId("team", slug);
    return { id: String(id), slug, name: slug, nodeId: `T_synth${id}`, members: [], repositories: [] };
  },
};
