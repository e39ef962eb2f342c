/**
 * `node --import ./src/main/electron/testing/fake-electron-register.mjs --import tsx src/main/electron/index.ts`
 * runs the Electron entry with `electron` resolved to fake-electron.ts.
 */
import { register } from 'node:module'

const fake = new URL('./fake-electron.ts', import.meta.url).href
register(
  `data:text/javascript,${encodeURIComponent(`
    export async function resolve(specifier, context, next) {
      if (specifier === 'electron') return { url: ${JSON.stringify(fake)}, shortCircuit: true }
      return next(specifier, context)
    }`)}`,
  import.meta.url,
)
