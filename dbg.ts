import { createHost, PluginClosedError } from "@sandplug/host";
import { tempPlugin } from "./tests/_helpers.ts";
import assert from "node:assert/strict";
globalThis.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  console.log("UNHANDLED", e.reason?.message, new Error().stack);
});
await using f = await tempPlugin(
  {},
  `export function hang() { return new Promise(() => {}); } export const counter = 1;`,
);
await using host = createHost();
const p = await host.load(f.dir);
console.log("loaded");
const rejected = assert.rejects(p.call("hang"), PluginClosedError);
await Promise.all([p.close(), p.close()]);
console.log("closed");
await rejected;
console.log("rejected ok");
