import assert from "node:assert/strict";
import * as mod from "@sandplug/host";
import * as sdk from "@sandplug/host/plugin";

// Pins the public surface: a change to it must be deliberate and change this list too.
Deno.test("mod.ts exports exactly the documented values", () => {
  assert.deepEqual(Object.keys(mod).sort(), [
    "HostClosedError",
    "ImportDeniedError",
    "IncompatiblePluginError",
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
    "ValidationError",
    "createHost",
    "defineContract",
    "fn",
    "manifestJsonSchema",
    "manifestSchema",
    "parseManifest",
    "transfer",
    "tryParseManifest",
    "variable",
  ]);
});

Deno.test("@sandplug/host/plugin exports exactly the SDK", () => {
  assert.deepEqual(Object.keys(sdk).sort(), ["callSignal", "isVariable", "transfer", "variable"]);
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
