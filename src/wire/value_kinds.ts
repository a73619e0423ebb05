/**
 * The built-in prototypes whose instances structured clone carries: what
 * the value check (`value_check.ts`) lets through besides plain data.
 *
 * @module
 */

/** The prototypes of the typed-array kinds. */
export const TYPED_ARRAYS = new Set<object>(
  [
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
    ...(typeof Float16Array === "function" ? [Float16Array] : []),
  ].map((type) => type.prototype),
);
/** The prototypes of boxed primitives. */
export const BOXED = new Set<object>([
  Number.prototype,
  String.prototype,
  Boolean.prototype,
  BigInt.prototype,
]);
/** The prototypes of the error classes structured clone rebuilds by name. */
export const ERROR_PROTOTYPES = new Set<object>(
  [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError]
    .map((type) => type.prototype),
);
