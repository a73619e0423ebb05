import assert from "node:assert/strict";
import * as mod from "@sandplug/host";
import type { PluginError, PluginErrorCode } from "@sandplug/host";
import * as sdk from "@sandplug/host/plugin";

// Pins the public surface: a change to it must be deliberate and change this list too.
Deno.test("mod.ts exports exactly the documented values", () => {
  assert.deepEqual(Object.keys(mod).sort(), [
    "ExtensionPointError",
    "FrameworkProfileError",
    "HostClosedError",
    "ImportDeniedError",
    "IncompatiblePluginError",
    "IntegrityError",
    "LockFileError",
    "ManifestError",
    "PERMISSION_KINDS",
    "PROTOCOL_VERSION",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PermissionPromptError",
    "PluginCallError",
    "PluginClosedError",
    "PluginCrashedError",
    "PluginError",
    "PluginLoadError",
    "PluginTimeoutError",
    "SYS_NAMES",
    "SymbolKindError",
    "SymbolNotFoundError",
    "UnstableFlagError",
    "UpgradeRefusedError",
    "ValidationError",
    "callback",
    "createFramework",
    "createHost",
    "defineContract",
    "diffPermissions",
    "fn",
    "learnPermissions",
    "manifestJsonSchema",
    "manifestSchema",
    "parseAuditLines",
    "parseManifest",
    "point",
    "transfer",
    "tryParseManifest",
    "variable",
  ]);
});

/** The names mod.ts exports as types only (interfaces and type aliases), as `deno doc` lists them. */
async function typeExports(): Promise<string[]> {
  const mod = new URL("../mod.ts", import.meta.url);
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", mod.href],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const doc = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    nodes: Record<string, { symbols: { name: string; declarations: { kind: string }[] }[] }>;
  };
  return doc.nodes[mod.href].symbols
    .filter((symbol) =>
      symbol.declarations.every((declaration) =>
        declaration.kind === "interface" || declaration.kind === "typeAlias"
      )
    )
    .map((symbol) => symbol.name)
    .sort();
}

// Pins the public types too: an internal type must not reach the surface unnoticed.
Deno.test("mod.ts exports exactly the documented types", async () => {
  assert.deepEqual(await typeExports(), [
    "Access",
    "ArgsOf",
    "CallOptions",
    "Callback",
    "ChangeKind",
    "Contract",
    "ContractDefinition",
    "ContractSymbols",
    "DeniedImport",
    "DeniedPermission",
    "DiffPermissionsOptions",
    "Discovery",
    "DiscoveryProblem",
    "ExtensionPointErrorOptions",
    "FilterPoint",
    "FilterResult",
    "FirstPoint",
    "FirstResult",
    "FnSpec",
    "FoundPlugin",
    "Framework",
    "FrameworkMetrics",
    "FrameworkOptions",
    "FrameworkPlugin",
    "FrameworkProfileErrorOptions",
    "Host",
    "HostEventDetail",
    "HostEventMap",
    "HostFunctions",
    "HostOptions",
    "HostPolicy",
    "HostSpecs",
    "InferInput",
    "InferOutput",
    "IntegrityChange",
    "IsolationName",
    "KindChange",
    "LearnPermissionsOptions",
    "LearnedPermissions",
    "LoadAllResult",
    "LoadOptions",
    "LockOption",
    "LockedPackage",
    "LogLevel",
    "LookupOptions",
    "Manifest",
    "ManifestIssue",
    "ManifestLimits",
    "ManifestPermissions",
    "ManifestSchema",
    "Normalize",
    "OnError",
    "ParseManifestOptions",
    "ParseManifestResult",
    "PermissionDiff",
    "PermissionGrant",
    "PermissionKind",
    "PermissionSet",
    "Plugin",
    "PluginErrorCode",
    "PluginErrorOptions",
    "PluginLogEntry",
    "PluginMetrics",
    "PluginModule",
    "PluginWatcher",
    "Point",
    "PointBase",
    "PointKind",
    "PointOptions",
    "PointSkip",
    "Profile",
    "ProfileEntry",
    "ProvideOf",
    "ProvidedFunction",
    "ProvidedOf",
    "ReceivedArgsOf",
    "RegisterOptions",
    "Rejection",
    "ReloadOptions",
    "ReloadResult",
    "Remote",
    "RemoteFunction",
    "RemoteOf",
    "RestartOptions",
    "RestartPolicy",
    "RunArgs",
    "RunOptions",
    "RunResult",
    "ScorePoint",
    "ScorePointOptions",
    "ScoreResult",
    "Scored",
    "SortPoint",
    "SortResult",
    "StandardSchemaV1",
    "StreamOptions",
    "SymbolInfo",
    "SymbolKind",
    "SymbolSpec",
    "SymbolsOf",
    "SysName",
    "UnresolvedAccess",
    "UpgradeApproval",
    "UpgradeRefusal",
    "UseOptions",
    "Variable",
    "VariableSpec",
    "WatchOptions",
    "WeightedPlugin",
  ]);
});

Deno.test("@sandplug/host/plugin exports exactly the SDK", () => {
  assert.deepEqual(Object.keys(sdk).sort(), [
    "CallbackExpiredError",
    "HostCallError",
    "HostCallTimeoutError",
    "HostFunctionDeniedError",
    "callSignal",
    "host",
    "isVariable",
    "transfer",
    "variable",
  ]);
});

Deno.test("every error class is a PluginError with its own name and code", () => {
  const errors = [
    new mod.ManifestError("plugin.json", [{ path: "name", message: "is required" }]),
    new mod.PermissionDeniedError("p", [{ kind: "net", value: "x", allow: "x" }]),
    new mod.SymbolNotFoundError("p", "s", []),
    new mod.SymbolKindError("p", "s", "function", "variable"),
    new mod.ValidationError("p", "s", "args[0]", "bad"),
    new mod.IncompatiblePluginError("p", ["x"]),
    new mod.ImportDeniedError("p", [{ specifier: "npm:x", file: "mod.ts", line: 1, reason: "r" }]),
    new mod.PluginCallError("p", "s", { name: "Error", message: "m" }),
    new mod.PluginLoadError("p", "r"),
    new mod.PayloadTooLargeError("p", "s", "result", 2, 1),
    new mod.PluginClosedError("p", "s"),
    new mod.PluginTimeoutError("p", "s", 1),
    new mod.PluginCrashedError("p", "r"),
    new mod.UnstableFlagError(),
    new mod.PermissionPromptError(),
    new mod.HostClosedError("load plugin"),
    new mod.UpgradeRefusedError("p", "1.0.0", "1.1.0", "widens", mod.diffPermissions({}, {})),
    new mod.IntegrityError("p", "sandplug.lock", [{ path: "mod.ts", change: "changed" }]),
    new mod.LockFileError("sandplug.lock", "it is not JSON"),
  ];
  const codes = new Set<string>();
  for (const error of errors) {
    assert.ok(error instanceof mod.PluginError);
    assert.equal(error.name, error.constructor.name);
    assert.ok(!error.message.endsWith("."), `${error.name} message ends with a period`);
    codes.add(error.code);
  }
  assert.equal(codes.size, errors.length);
  assert.equal(
    new mod.SymbolNotFoundError("p", "s", []).message,
    'Cannot find symbol "s" in plugin "p": it exports nothing',
  );
});

// A Record over the union fails `deno check` when a code has no class here or a
// class's code is missing from PluginErrorCode, so the union stays complete.
Deno.test("PluginErrorCode holds exactly the code of every error class", () => {
  const byCode: Record<PluginErrorCode, PluginError> = {
    PLUGIN_ERROR: new mod.PluginError("m"),
    MANIFEST_INVALID: new mod.ManifestError("plugin.json", [{ path: "", message: "m" }]),
    PERMISSION_DENIED: new mod.PermissionDeniedError("p", [{
      kind: "net",
      value: "x",
      allow: "x",
    }]),
    IMPORT_DENIED: new mod.ImportDeniedError("p", [
      { specifier: "npm:x", file: "mod.ts", line: 1, reason: "r" },
    ]),
    INCOMPATIBLE_PLUGIN: new mod.IncompatiblePluginError("p", ["x"]),
    LOAD_FAILED: new mod.PluginLoadError("p", "r"),
    UNSTABLE_FLAG_MISSING: new mod.UnstableFlagError(),
    PERMISSION_PROMPT_POSSIBLE: new mod.PermissionPromptError(),
    HOST_CLOSED: new mod.HostClosedError("load plugin"),
    SYMBOL_NOT_FOUND: new mod.SymbolNotFoundError("p", "s", []),
    SYMBOL_KIND: new mod.SymbolKindError("p", "s", "function", "variable"),
    VALIDATION_FAILED: new mod.ValidationError("p", "s", "args[0]", "bad"),
    PLUGIN_THREW: new mod.PluginCallError("p", "s", { name: "Error", message: "m" }),
    PAYLOAD_TOO_LARGE: new mod.PayloadTooLargeError("p", "s", "result", 2, 1),
    PLUGIN_CLOSED: new mod.PluginClosedError("p", "s"),
    PLUGIN_TIMEOUT: new mod.PluginTimeoutError("p", "s", 1),
    PLUGIN_CRASHED: new mod.PluginCrashedError("p", "r"),
    UPGRADE_REFUSED: new mod.UpgradeRefusedError(
      "p",
      "1",
      "2",
      "name",
      mod.diffPermissions({}, {}),
    ),
    INTEGRITY_MISMATCH: new mod.IntegrityError("p", "sandplug.lock", []),
    LOCK_FILE_INVALID: new mod.LockFileError("sandplug.lock", "it is not JSON"),
    FRAMEWORK_PROFILE: new mod.FrameworkProfileError("m"),
    EXTENSION_POINT_FAILED: new mod.ExtensionPointError("x", "p", "s", { cause: new Error("m") }),
  };
  for (const [code, error] of Object.entries(byCode)) assert.equal(error.code, code);
  const classes = Object.values(mod).filter((value) =>
    typeof value === "function" && value.prototype instanceof Error
  );
  assert.deepEqual(
    new Set(Object.values(byCode).map((error) => error.constructor)),
    new Set(classes),
  );
});
