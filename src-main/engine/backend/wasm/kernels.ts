/** Registers the gradient kernels tfjs' wasm backend lacks for training (filled in by the kernel work). */
export function registerWasmTrainingKernels(): void {}
