// The device bundle loads no Keras .h5 file: h5wasm (5 MB of Emscripten code) stays out of it.
export default new Proxy(
  {},
  {
    get() {
      throw new Error('h5wasm is not in the device bundle: it reads no .h5 files')
    },
  },
)
