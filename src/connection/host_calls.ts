/**
 * The host's side of host calls: plugin code calls a function the host
 * provided on its load, by name. Everything about a call is hostile input:
 * the name, the arguments (checked against the contract when it has a spec),
 * how many arrive at once. What goes back is the result, checked like a
 * plugin's own results, or an error reduced to a name and a message: never
 * the host's stack, paths of its files or `cause` chain.
 *
 * @module
 */
import { capText } from "../wire/bounded_error.ts";
import { measure } from "../wire/payload.ts";
import { refusalText, valueProblem } from "../wire/value_check.ts";

/** A function the host provided, as the connection calls it. */
export type CallTarget = (...args: unknown[]) => unknown;

/** Checks a host call's arguments and result against a contract; each throws a `ValidationError`. */
export interface HostCallCheck {
  args(values: unknown[]): Promise<unknown[]>;
  result(value: unknown): Promise<unknown>;
}

/** What a plugin's host calls may reach, and how many may run at once. */
export interface HostCallTargets {
  /** The functions the plugin may call: those its manifest lists and its load provides. */
  readonly functions: ReadonlyMap<string, CallTarget>;
  /** The contract's checks for a function, when it has a spec for it. */
  readonly check?: (name: string) => HostCallCheck | undefined;
  /** How many of the plugin's host calls run at once; the rest wait their turn. */
  readonly maxConcurrent: number;
}

/** What a {@linkcode HostCalls} reports to its connection. */
export interface HostCallsEvents {
  /** Sends the answer to the plugin's call `id`. */
  answer(ok: boolean, id: number, value: unknown): void;
  /** The plugin called a function it may not. */
  denied(name: string): void;
  /** The plugin broke the protocol. */
  broke(problem: string): void;
  /** Whether the plugin still runs: a call for a plugin that ended is never started. */
  open(): boolean;
  /** The callback or stream step behind a reference id, while the call it was passed to runs. */
  ref(id: number): CallTarget | undefined;
}

/** The longest function name accepted. */
const MAX_NAME_CHARS = 256;
/** The most characters of a host function's error message that reach the plugin. */
const MAX_ERROR_CHARS = 2000;
/** How many calls may wait for a turn, per plugin, before more are refused. */
const MAX_QUEUED = 10_000;

interface Call {
  readonly id: number;
  readonly name: string;
  readonly fn: CallTarget;
  readonly args: unknown[];
}

/** One plugin's host calls: checked, bounded, run, answered. */
export class HostCalls {
  readonly #options: HostCallTargets;
  readonly #events: HostCallsEvents;
  readonly #maxMessageBytes: number;
  readonly #queue: Call[] = [];
  /** Calls running now, by id; a cancelled one is removed, and its answer dropped. */
  readonly #running = new Set<number>();

  constructor(options: HostCallTargets, events: HostCallsEvents, maxMessageBytes: number) {
    this.#options = options;
    this.#events = events;
    this.#maxMessageBytes = maxMessageBytes;
  }

  /** A `HOST_CALL` record arrived. */
  receive(id: unknown, name: unknown, args: unknown[]): void {
    if (typeof id !== "number" || !Number.isSafeInteger(id)) {
      return this.#events.broke("a host call's id is not an integer");
    }
    const byRef = typeof name === "number";
    if (!byRef && (typeof name !== "string" || name.length > MAX_NAME_CHARS)) {
      return this.#events.broke(
        "a host call's target is neither a reference nor a name of at most 256 characters",
      );
    }
    if (this.#running.has(id) || this.#queue.some((call) => call.id === id)) {
      return this.#events.broke("a host call reused the id of one in flight");
    }
    if (byRef) return this.#byRef(id, name, args);
    const fn = this.#options.functions.get(name as string);
    if (fn === undefined) {
      this.#events.denied(name);
      return this.#events.answer(false, id, {
        name: "HostFunctionDeniedError",
        message: `the plugin may not call the host function "${
          capText(name as string, 100)
        }": its manifest must list it under "host", and the host must provide it on the load`,
      });
    }
    this.#admit({ id, name: name as string, fn, args });
  }

  /** A call of a callback, or a step of a stream, the host passed to one of its calls. */
  #byRef(id: number, ref: number, args: unknown[]): void {
    const fn = this.#events.ref(ref);
    if (fn === undefined) {
      return this.#events.answer(false, id, {
        name: "CallbackExpiredError",
        message: "the callback or stream is no longer valid: the call it was passed to has " +
          "settled; use it only while that call runs",
      });
    }
    this.#admit({ id, name: "a callback", fn, args });
  }

  #admit(call: Call): void {
    const id = call.id;
    if (this.#running.size < this.#options.maxConcurrent) return void this.#run(call);
    if (this.#queue.length >= MAX_QUEUED) {
      return this.#events.answer(false, id, {
        name: "HostCallError",
        message: `the plugin has over ${MAX_QUEUED} host calls waiting; wait for some to settle`,
      });
    }
    this.#queue.push(call);
  }

  /** A `HOST_CANCEL` record arrived: the call is dropped if waiting, its answer if running. */
  cancel(id: unknown): void {
    const at = this.#queue.findIndex((call) => call.id === id);
    if (at !== -1) this.#queue.splice(at, 1);
    this.#running.delete(id as number);
  }

  /** The plugin ended: waiting calls never start. */
  close(): void {
    this.#queue.length = 0;
    this.#running.clear();
  }

  async #run(call: Call): Promise<void> {
    this.#running.add(call.id);
    let ok = true;
    let value: unknown;
    try {
      const check = this.#options.check?.(call.name);
      const args = check === undefined ? call.args : await check.args(call.args);
      value = await Reflect.apply(call.fn, undefined, args);
      if (check !== undefined) value = await check.result(value);
      value = this.#checked(call.name, value);
    } catch (error) {
      ok = false;
      value = nameAndMessage(error);
    }
    if (this.#running.delete(call.id) && this.#events.open()) {
      this.#events.answer(ok, call.id, value);
    }
    this.#next();
  }

  #next(): void {
    while (this.#running.size < this.#options.maxConcurrent && this.#queue.length > 0) {
      if (!this.#events.open()) return this.close();
      void this.#run(this.#queue.shift()!);
    }
  }

  /** The result, or an error when it could not reach the plugin as it is. */
  #checked(name: string, value: unknown): unknown {
    const refused = valueProblem(value, "result");
    if (refused !== undefined) {
      throw Object.assign(new Error(`"${name}" returned what ${refusalText(refused, "plugin")}`), {
        name: "ValidationError",
      });
    }
    if (measure(value, this.#maxMessageBytes).bytes > this.#maxMessageBytes) {
      throw Object.assign(
        new Error(`"${name}" returned more than ${this.#maxMessageBytes} bytes`),
        { name: "PayloadTooLargeError" },
      );
    }
    return value;
  }
}

/** An error as the plugin may see it: its name and message, nothing else. */
function nameAndMessage(error: unknown): { name: string; message: string } {
  try {
    if (error instanceof Error) {
      const name = typeof error.name === "string" ? capText(error.name, 100) : "Error";
      return { name, message: capText(String(error.message), MAX_ERROR_CHARS) };
    }
    return { name: "Error", message: capText(String(error), MAX_ERROR_CHARS) };
  } catch {
    // A message whose getter or toString throws says nothing more.
    return { name: "Error", message: "the host function failed" };
  }
}
