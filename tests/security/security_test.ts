/**
 * Every hostile plugin of _attacks.ts, loaded through the public API with an
 * empty grant, in every isolation tier. Each step asserts that the attempt
 * failed as it must, that the secret outside the plugin is untouched, and
 * that the host still answers afterwards.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  createHost,
  type IsolationName,
  PayloadTooLargeError,
  PluginCallError,
  PluginCrashedError,
  PluginError,
  type Variable,
} from "@sandplug/host";
import { tempPlugin } from "../_helpers.ts";
import { ATTACKS, type Outcome } from "./_attacks.ts";

const TIERS: IsolationName[] = ["worker", "process"];
const SECRET = "the secret outside every plugin";
const MYPLUGIN = new URL("../../plugins/myplugin", import.meta.url);

function describe(error: unknown): string {
  if (error instanceof PluginCallError) return `${error.remoteName}: ${error.remoteMessage}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

async function expectOutcome(run: () => Promise<unknown>, outcome: Outcome): Promise<void> {
  if ("returns" in outcome) {
    assert.deepEqual(await run(), outcome.returns);
    return;
  }
  if ("contained" in outcome) {
    await run().catch(() => {}); // any result or error: the checks after the attack are what matter
    return;
  }
  let error: unknown;
  try {
    const value = await run();
    assert.fail(`the attack succeeded and returned ${JSON.stringify(value)?.slice(0, 200)}`);
  } catch (caught) {
    error = caught;
  }
  if ("throws" in outcome) {
    assert.ok(error instanceof PluginError, describe(error));
    assert.match(describe(error), outcome.throws);
  } else if ("crash" in outcome) {
    assert.ok(error instanceof PluginCrashedError, describe(error));
    assert.match(error.reason, outcome.crash);
  } else if ("tooLarge" in outcome) {
    assert.ok(error instanceof PayloadTooLargeError, describe(error));
  } else {
    assert.ok(error instanceof PluginError, describe(error));
    assert.equal(error.name, outcome.refused, describe(error));
    assert.match(error.message, outcome.message);
  }
}

for (const tier of TIERS) {
  Deno.test(`hostile plugins fail and the host survives (${tier} tier)`, async (t) => {
    await using server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response(SECRET),
    );
    const port = String(server.addr.port);
    await using host = createHost({
      isolation: tier,
      maxMessageBytes: 1024 * 1024,
      callTimeoutMs: 10_000,
    });
    const canary = await host.load(MYPLUGIN);

    for (const attack of ATTACKS) {
      await t.step(`${attack.group}: ${attack.name}`, async () => {
        const outcome = (tier === "worker" ? attack.worker : attack.process) ?? attack.outcome;
        await using fixture = await tempPlugin(
          { name: "hostile", ...attack.manifest },
          "export {};\n",
        );
        const outside = join(fixture.parent, "secret.txt");
        await Deno.writeTextFile(outside, SECRET);
        await Deno.writeTextFile(
          join(fixture.parent, "secret.ts"),
          `export const secret = ${JSON.stringify(SECRET)};`,
        );
        const fill = (text: string) =>
          text.replaceAll("{{OUTSIDE}}", outside).replaceAll("{{PORT}}", port);
        await Deno.writeTextFile(join(fixture.dir, "mod.ts"), fill(attack.code));
        for (const [path, content] of Object.entries(attack.files ?? {})) {
          if (content.startsWith("@symlink:")) {
            await Deno.symlink(content.slice("@symlink:".length), join(fixture.dir, path));
          } else await Deno.writeTextFile(join(fixture.dir, path), fill(content));
        }

        if ("refused" in outcome) {
          await expectOutcome(() => host.load(fixture.dir), outcome);
        } else {
          const plugin = await host.load(fixture.dir);
          try {
            await expectOutcome(() => plugin.call("attack"), outcome);
          } finally {
            await plugin.close();
          }
        }

        assert.equal(await Deno.readTextFile(outside), SECRET, "the secret outside is untouched");
        await assert.rejects(Deno.stat(`${outside}.new`), Deno.errors.NotFound);
        await canary.lookup<Variable<number>>("PluginInputNumber").set(tier.length);
        assert.equal(
          await canary.call("Describe"),
          `My custom code prints PluginInputNumber: ${tier.length}`,
          "the host still answers",
        );
      });
    }
  });
}
