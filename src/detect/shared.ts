/**
 * Typed arrays on SharedArrayBuffer memory: worker threads (parallel/) read them without a copy.
 * Zero-filled, like the ordinary constructors.
 */

export function sharedFloat64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * n));
}

export function sharedInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * n));
}

export function sharedUint32(n: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(4 * n));
}

export function sharedUint16(n: number): Uint16Array {
  return new Uint16Array(new SharedArrayBuffer(2 * n));
}

export function sharedUint8(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(n));
}
