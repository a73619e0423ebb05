// The Greeter of HashiCorp go-plugin's basic example: Greet() returns a greeting.

/** The greeting, as go-plugin's example plugin returns it. */
export function Greet(): string {
  console.log("message from GreeterHello.Greet");
  return "Hello!";
}

/** The plugin's process id, so that the example can kill it. */
export function Pid(): number {
  return Deno.pid;
}
