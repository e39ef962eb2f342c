// @ts-check
/**
 * Lint for the whole tree. Beyond the usual recommended sets, the one thing lint
 * enforces that the compiler cannot: the process boundaries (docs/architecture.md).
 *
 *   renderer  no Electron, no Node built-ins, nothing from the other areas
 *   preload   Electron and shared only (a sandboxed preload has no Node)
 *   electron  the Electron host (src/main/electron): anything but the renderer, the
 *             preload and the browser-mode host
 *   desktop   the desktop app's Electron-free parts (src/main/desktop): Electron's types
 *             only, so all of it runs and is tested under plain Node
 *   web       the browser-mode host (src/main/web): no Electron, no desktop code
 *   common    what both hosts share (src/main/common): shared and node only
 *   core      the client core: no Electron, no host code (it runs under both hosts)
 *   server    no Electron, no client code
 *   node      Node-only code the client core and the server share (src/node)
 *   shared    nothing from the other areas; Node only in src/shared/log.ts
 *
 * Test files (`*.test.ts`) are exempt from the boundaries: they never ship.
 */
import { isBuiltin } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, globalIgnores } from 'eslint/config'
import { builtinRules } from 'eslint/use-at-your-own-risk'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const root = path.dirname(fileURLToPath(import.meta.url))

// @eslint/js is not a dependency; its `recommended` set is exactly this.
const jsRecommended = Object.fromEntries(
  [...builtinRules].filter(([, rule]) => rule.meta?.docs?.recommended).map(([name]) => [name, 'error']),
)

/** First match wins, so the more specific directory comes first. */
const AREAS = [
  ['core', 'src/main/core'],
  ['electron', 'src/main/electron'],
  ['desktop', 'src/main/desktop'],
  ['web', 'src/main/web'],
  ['common', 'src/main/common'],
  ['preload', 'src/preload'],
  ['renderer', 'src/renderer'],
  ['server', 'src/server'],
  ['shared', 'src/shared'],
  ['node', 'src/node'],
]

const NODE_ONLY_PACKAGES = ['better-sqlite3', 'ws', 'pino', 'pg', '@nats-io/transport-node']
const NODE_ONLY_SHARED = 'src/shared/log.ts'

const CLIENT_HOSTS = ['electron', 'desktop', 'web', 'common']

/**
 * `areas`: what the area must not import; `electron`: true, false, or 'types' (type-only
 * imports, erased at build time); `node`: Node built-ins and Node-only packages.
 * @type {Record<string, { areas: string[], electron: boolean | 'types', node: boolean }>}
 */
const POLICY = {
  renderer: { areas: ['core', ...CLIENT_HOSTS, 'server', 'preload', 'node'], electron: false, node: false },
  preload: { areas: ['core', ...CLIENT_HOSTS, 'server', 'renderer', 'node'], electron: true, node: false },
  electron: { areas: ['renderer', 'preload', 'web'], electron: true, node: true },
  desktop: { areas: ['renderer', 'preload', 'web', 'electron'], electron: 'types', node: true },
  web: { areas: ['renderer', 'preload', 'electron', 'desktop', 'server'], electron: false, node: true },
  common: { areas: ['renderer', 'preload', 'electron', 'desktop', 'web', 'core', 'server'], electron: false, node: true },
  core: { areas: [...CLIENT_HOSTS, 'server', 'preload', 'renderer'], electron: false, node: true },
  server: { areas: ['core', ...CLIENT_HOSTS, 'preload', 'renderer'], electron: false, node: true },
  node: { areas: ['core', ...CLIENT_HOSTS, 'server', 'preload', 'renderer'], electron: false, node: true },
  shared: { areas: ['core', ...CLIENT_HOSTS, 'server', 'preload', 'renderer', 'node'], electron: false, node: false },
}

/** @param {string} file absolute path */
function areaOf(file) {
  const rel = path.relative(root, file).split(path.sep).join('/')
  for (const [name, dir] of AREAS) if (rel === dir || rel.startsWith(`${dir}/`)) return name
  return null
}

/** @param {string} file @param {string} relativeTo */
function repoPath(file, relativeTo = root) {
  return path.relative(relativeTo, file).split(path.sep).join('/')
}

/** @type {import('eslint').Rule.RuleModule} */
const boundariesRule = {
  meta: {
    type: 'problem',
    docs: { description: 'keep imports inside the process boundaries of docs/architecture.md' },
    schema: [],
  },
  create(context) {
    const file = context.filename
    const from = areaOf(file)
    if (from === null || /\.test\.ts$/.test(file)) return {}
    const policy = POLICY[from]
    const nodeAllowed = policy.node || repoPath(file) === NODE_ONLY_SHARED

    /** @param {any} node @param {unknown} source @param {boolean} typeOnly */
    function check(node, source, typeOnly = false) {
      if (typeof source !== 'string') return
      const report = (/** @type {string} */ why) =>
        context.report({ node, message: `${from} must not import '${source}': ${why}` })
      if (source === 'electron' || source.startsWith('electron/')) {
        if (policy.electron === 'types' ? !typeOnly : !policy.electron) {
          report(
            policy.electron === 'types'
              ? 'only its types here (import type): this code runs without Electron'
              : 'Electron is only for the Electron host (src/main/electron) and the preload',
          )
        }
        return
      }
      if (source.startsWith('.') || source.startsWith('/')) {
        const target = path.resolve(path.dirname(file), source)
        const to = areaOf(target)
        if (to !== null && to !== from && policy.areas.includes(to)) {
          report(`${to} code is out of bounds for ${from}${from === 'shared' ? '' : ' (share it through src/shared)'}`)
        } else if (!nodeAllowed && /^src\/shared\/log(\.ts)?$/.test(repoPath(target))) {
          report('src/shared/log.ts is Node-only')
        }
        return
      }
      if (!nodeAllowed && (isBuiltin(source) || NODE_ONLY_PACKAGES.includes(source.split('/')[0] ?? ''))) {
        report(`${from} does not run on Node`)
      }
    }

    return {
      ImportDeclaration: (node) =>
        check(
          node.source,
          node.source.value,
          // @ts-expect-error typescript-eslint adds importKind to the ESTree nodes
          node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type')),
        ),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      CallExpression: (node) => {
        const [arg] = node.arguments
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && arg?.type === 'Literal') {
          check(arg, arg.value)
        }
      },
      /** `typeof import('…')` in a type position. @param {any} node */
      TSImportType: (node) => {
        const literal = node.argument?.literal ?? node.source
        if (literal?.type === 'Literal') check(literal, literal.value, true)
      },
    }
  },
}

const parley = { rules: { boundaries: boundariesRule } }

/** Formatting is not lint's business here; these are layout-only rules. */
const vueLayoutOff = Object.fromEntries(
  [
    'vue/html-indent',
    'vue/max-attributes-per-line',
    'vue/first-attribute-linebreak',
    'vue/html-closing-bracket-newline',
    'vue/html-closing-bracket-spacing',
    'vue/multiline-html-element-content-newline',
    'vue/singleline-html-element-content-newline',
    'vue/html-self-closing',
    'vue/mustache-interpolation-spacing',
    'vue/no-multi-spaces',
    'vue/html-quotes',
  ].map((rule) => [rule, 'off']),
)

export default defineConfig(
  globalIgnores([
    'node_modules/**',
    'out/**',
    'dist/**',
    'build/**',
    'test-results/**',
    'playwright-report/**',
    'bench/results/**',
    '.tmp/**',
    '**/*.d.mts',
  ]),
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  { files: ['**/*.{js,mjs,cjs,ts,mts,cts,vue}'], rules: jsRecommended },
  tseslint.configs.recommended,
  pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    plugins: { parley },
    rules: {
      'parley/boundaries': 'error',
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // The compiler knows every name; no-undef only misreads types and ambient globals.
    files: ['**/*.{ts,mts,cts,vue}'],
    rules: { 'no-undef': 'off' },
  },
  {
    files: ['src/renderer/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      ...vueLayoutOff,
      // Message text is user content: never parse it as HTML.
      'vue/no-v-html': 'error',
    },
  },
  {
    files: ['src/renderer/**/*.{ts,vue}'],
    // Tests reset the DOM between cases; shipped code never writes HTML.
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "AssignmentExpression > MemberExpression[property.name=/^(innerHTML|outerHTML)$/]",
          message: 'never assign HTML: message text is user content (use textContent or a template)',
        },
        {
          selector: "CallExpression[callee.property.name='insertAdjacentHTML']",
          message: 'never insert HTML: message text is user content',
        },
      ],
    },
  },
  {
    files: ['src/preload/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['e2e/**/*.ts'],
    // Playwright's `page.evaluate` bodies run in the page.
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    // Fixtures without dependencies are declared `async ({}, use) => …` by Playwright's design.
    rules: { 'no-empty-pattern': 'off' },
  },
)
