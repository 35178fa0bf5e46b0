// Types `.vue` imports for plain TypeScript programs (the linter's); vue-tsc reads the components themselves.
declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent
  export default component
}
