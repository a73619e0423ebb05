import { createHost } from "@sandplug/host";
const DIR = new URL("file:///work/main/bench/plugins/talk_back/");
const N = 10000;
async function rate(f: () => Promise<number>) {
  const t = performance.now();
  const n = await f();
  return Math.round(n / ((performance.now() - t) / 1000));
}
async function drain(s: ReadableStream<unknown>) {
  let n = 0;
  for await (const _ of s) n++;
  return n;
}
const tier = Deno.args[0] as "inline";
const host = createHost({ isolation: tier, validate: false });
const p = await host.load(DIR, { provide: { echo: (x: unknown) => x } });
for (let r = 0; r < 8; r++) {
  console.log(
    tier,
    "stream",
    await rate(() => drain(p.stream("count", [N]))),
    Deno.memoryUsage().heapUsed >> 20,
  );
}
await host.close();
