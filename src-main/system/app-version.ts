import pkg from '../../package.json'

/** The workbench version from package.json (inlined by the bundler, read directly under tsx). */
export const APP_VERSION: string = pkg.version
