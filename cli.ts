/**
 * The `sandplug` command, for plugin authors and operators: make a plugin
 * (`new`), check plugins as a host would without running them (`check`),
 * load one and show what it is (`inspect`), call it (`call`), write or verify
 * the integrity lock (`lock`), learn the permissions a call needs (`learn`),
 * and compare two versions' permissions (`diff`). Every command takes
 * `--help` and `--json`, and exits 0 when all is well, 1 when it found
 * problems, 2 on a usage error.
 *
 * ```sh
 * deno run -A jsr:@sandplug/host/cli new plugins/hello
 * deno run -A jsr:@sandplug/host/cli check plugins --policy policy.json
 * deno run -A jsr:@sandplug/host/cli call plugins/hello greet '"Ada"'
 * ```
 *
 * In this repository: `deno task sandplug <command>`. The worker tier
 * (`--tier worker`) needs `--unstable-worker-options --no-prompt` too.
 *
 * @module
 */
import { createHost } from "./mod.ts";
import { main } from "./src/cli/main.ts";
import type { HostApi } from "./src/cli/context.ts";

// The one place the command meets the host: src/cli/ sees it only through HostApi.
const api: HostApi = { createHost };

if (import.meta.main) Deno.exit(await main(Deno.args, api));
