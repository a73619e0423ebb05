// Implements the "greeter" contract 1.1: greet() and a greetings counter.
import { variable } from "@sandplug/host/plugin";

/** How many greetings were made so far. */
export const greetings = variable(0);

/** The greeting for `name`. */
export function greet(name: string): string {
  greetings.value += 1;
  return `Hello, ${name}!`;
}

/** Added in contract 1.1: a farewell. */
export function farewell(name: string): string {
  return `Goodbye, ${name}.`;
}
