/**
 * Packaging for the desktop app with electron-builder: AppImage and deb (Linux), dmg
 * (macOS), NSIS (Windows).
 *
 *   npm run build && npx electron-builder --config electron-builder.config.cjs [--linux|--mac|--win]
 *
 * electron-builder is not a dependency of this repository and needs the Electron binary
 * (and, for better-sqlite3, a rebuild against Electron's headers), so packages cannot be
 * built where those cannot be downloaded; `src/main/desktop/packaging.test.ts` checks this
 * configuration's structure instead. CommonJS because electron-builder `require`s it.
 *
 * @type {import('electron-builder').Configuration}
 */
module.exports = {
  appId: 'org.parley.desktop',
  productName: 'Parley',
  copyright: 'Copyright © Parley contributors',
  directories: {
    output: 'dist',
    buildResources: 'resources',
  },
  // What electron-vite built; production dependencies (better-sqlite3, ws, pino, zod...)
  // are added by electron-builder from package.json `dependencies`.
  files: ['out/**/*', 'package.json', '!**/*.map'],
  extraResources: [{ from: 'resources', to: 'resources', filter: ['*.png'] }],
  asar: true,
  // The native addon cannot be loaded from inside the asar archive.
  asarUnpack: ['node_modules/better-sqlite3/**/*'],
  // Rebuild native dependencies (better-sqlite3) for Electron's ABI inside the package.
  npmRebuild: true,
  artifactName: '${productName}-${version}-${os}-${arch}.${ext}',
  publish: null,

  linux: {
    target: ['AppImage', 'deb'],
    icon: 'resources/icon.png',
    category: 'Network',
    synopsis: 'A desktop messenger that gets taking a message back right',
    maintainer: 'Parley contributors <parley@example.org>',
    executableName: 'parley',
    desktop: {
      entry: {
        StartupWMClass: 'Parley',
        Keywords: 'chat;messenger;',
      },
    },
  },
  deb: {
    // What Electron needs on Debian/Ubuntu beyond the base system.
    depends: ['libgtk-3-0', 'libnss3', 'libxss1', 'libxtst6', 'xdg-utils', 'libatspi2.0-0', 'libuuid1', 'libsecret-1-0'],
  },

  mac: {
    target: ['dmg'],
    icon: 'resources/icon.png',
    category: 'public.app-category.social-networking',
    hardenedRuntime: true,
  },
  dmg: {
    sign: false,
  },

  win: {
    target: ['nsis'],
    icon: 'resources/icon.png',
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    createDesktopShortcut: true,
    createStartMenuShortcut: true,
    shortcutName: 'Parley',
  },
}
