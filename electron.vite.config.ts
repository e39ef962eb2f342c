import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'electron-vite'
import type { Plugin } from 'vite'
import { META_CSP } from './src/main/common/csp'

/**
 * The built page carries the CSP as a meta tag too, so it holds however the page is
 * served; each host's header narrows it further (src/main/common/csp.ts).
 */
function cspMetaTag(): Plugin {
  return {
    name: 'parley:csp-meta',
    apply: 'build',
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        if (/http-equiv=["']Content-Security-Policy["']/i.test(html)) {
          throw new Error('src/renderer/index.html has its own CSP meta tag; the build injects it from src/main/common/csp.ts')
        }
        return [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: META_CSP }, injectTo: 'head-prepend' }]
      },
    },
  }
}

const root = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  main: {
    build: {
      // better-sqlite3, ws, pino... stay in node_modules (package.json `dependencies`);
      // the native module in particular must never be bundled.
      externalizeDeps: true,
      rolldownOptions: { input: { index: resolve(root, 'src/main/electron/index.ts') } },
    },
  },
  preload: {
    build: {
      // A sandboxed preload cannot require() packages: bundle everything it uses.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    plugins: [vue(), cspMetaTag()],
    build: {
      rolldownOptions: { input: { index: resolve(root, 'src/renderer/index.html') } },
    },
  },
})
