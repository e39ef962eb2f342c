/**
 * `node --import tsx --import ./src/main/testing/electron-stub-register.mjs src/main/index.ts`
 * runs the Electron main entry with `electron` resolved to electron-stub.ts.
 */
import { register } from 'node:module'

const stub = new URL('./electron-stub.ts', import.meta.url).href
register(
  `data:text/javascript,${encodeURIComponent(`
    export async function resolve(specifier, context, next) {
      if (specifier === 'electron') return { url: ${JSON.stringify(stub)}, shortCircuit: true }
      return next(specifier, context)
    }`)}`,
  import.meta.url,
)
