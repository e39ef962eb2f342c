/**
 * Packaging for the desktop app with electron-builder: AppImage and deb (Linux), dmg
 * (macOS), NSIS (Windows).
 *
 *   npm run dist [-- --linux|--mac|--win]
 *
 * which builds the app (electron-vite), better-sqlite3 for Electron's ABI
 * (scripts/electron-native.mjs, into build/electron-native) and then the packages for
 * this machine's platform and architecture. electron-builder downloads Electron (and, for
 * some targets, its packaging tools) while it builds, so packages cannot be built where
 * those downloads are not allowed; `src/main/desktop/packaging.test.ts` checks this
 * configuration's structure. CommonJS because electron-builder `require`s it.
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
  // What electron-vite built, and the Electron build of better-sqlite3 with its stamp, which
  // the main process hands to better-sqlite3 as `nativeBinding` once the stamp matches the
  // running Electron (src/main/native.ts). Production dependencies (better-sqlite3, ws,
  // pino, zod...) are added by electron-builder from package.json `dependencies`.
  files: ['out/**/*', 'build/electron-native/**/*', 'package.json', '!**/*.map'],
  extraResources: [{ from: 'resources', to: 'resources', filter: ['*.png'] }],
  asar: true,
  // Native addons cannot be loaded from inside the asar archive.
  asarUnpack: ['node_modules/better-sqlite3/**/*', 'build/electron-native/**/*'],
  // Not electron-builder's rebuild: it rebuilds node_modules/better-sqlite3 in place, which
  // leaves the project with a build Node cannot load (the server, the tests, browser mode).
  // The Electron build comes from build/electron-native instead (see files).
  npmRebuild: false,
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
