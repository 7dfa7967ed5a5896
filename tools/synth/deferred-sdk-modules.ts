/**
 * Parts of the Pulumi SDK that offline synth never runs but that `@pulumi/pulumi` requires as it
 * loads: they are two thirds of the SDK's start-up. Each is required on first use instead, through
 * a stand-in that loads the real module when the SDK first reads from it; nothing is skipped, only
 * moved to the moment (if any) it is needed.
 *
 * Only the `require` calls listed here, from the SDK file named with each, are deferred: any other
 * importer gets the module as usual.
 */
import Module from "node:module";
import * as path from "node:path";

interface DeferredRequire {
  /** The string the SDK passes to `require`. */
  readonly request: string;
  /** The SDK file that makes that call, relative to the package. */
  readonly from: string;
}

const DEFERRED: readonly DeferredRequire[] = [
  // npm's dependency resolver and its registry client, with which closure serialization finds the
  // packages a serialized function needs (pulumi.runtime.serializeFunction): half the SDK's load.
  { request: "@npmcli/arborist", from: "runtime/closure/codePaths.js" },
  // The TypeScript compiler, with which closure serialization and provider analysis parse code.
  { request: "../../typescript-shim", from: "runtime/closure/parseFunction.js" },
  { request: "../../typescript-shim", from: "provider/experimental/analyzer.js" },
  // The Automation API (pulumi.automation), which drives the Pulumi CLI.
  { request: "./automation", from: "index.js" },
];

type Load = (request: string, parent: NodeJS.Module | null | undefined, isMain: boolean) => unknown;
// Module._load is node's internal entry point for `require`; @types/node does not declare it.
const loader = Module as unknown as { _load: Load };

let installed = false;

/**
 * Installs the deferral for the rest of the process. Call it before anything requires
 * `@pulumi/pulumi`; calling it again does nothing.
 */
export function deferUnusedSdkModules(): void {
  if (installed) return;
  installed = true;
  const sdkRoot = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  const deferred = new Set(DEFERRED.map(({ request, from }) => `${path.join(sdkRoot, from)}\0${request}`));
  const load = loader._load;
  loader._load = function loadOrDefer(request, parent, isMain) {
    if (parent?.filename && deferred.has(`${parent.filename}\0${request}`)) {
      return deferredModule(() => load.call(this, request, parent, isMain) as object);
    }
    return load.call(this, request, parent, isMain);
  };
}

/**
 * A module's exports, loaded on the first read. It says it is an ES module so that the SDK's
 * compiled `import * as` (`__importStar`) keeps the stand-in itself instead of copying its
 * properties, which would load the module at once.
 */
function deferredModule(loadModule: () => object): object {
  let loaded: object | undefined;
  const real = (): object => (loaded ??= loadModule());
  return new Proxy(
    {},
    {
      get: (_target, key) => (key === "__esModule" ? true : Reflect.get(real(), key)),
      has: (_target, key) => Reflect.has(real(), key),
    },
  );
}
