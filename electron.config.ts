/**
 * electron-builder configuration (`npm run dist`): Linux AppImage + deb, macOS dmg, Windows nsis.
 * Native modules (sharp with its libvips, hnswlib-node, better-sqlite3, xxhash-addon), tfjs's wasm binaries and
 * the trained models cannot run from inside app.asar, so they are unpacked next to it;
 * main/app/main.ts looks for native-models/ in app.asar.unpacked.
 */
import type { Configuration } from 'electron-builder';

const config: Configuration = {
  appId: 'org.dimsearch.app',
  productName: 'dimsearch',
  copyright: 'dimsearch contributors',
  directories: { output: 'release', buildResources: 'build' },
  files: [
    'dist/main/**',
    'dist/renderer/**',
    'native-models/**',
    'main/ml/native/build/Release/*.node',
    'package.json',
    '!**/*.map',
    '!**/{test,tests,__tests__,docs,example,examples}/**',
  ],
  asar: true,
  asarUnpack: [
    'native-models/**',
    'node_modules/sharp/**',
    'node_modules/@img/**',
    'node_modules/hnswlib-node/**',
    'node_modules/better-sqlite3/**',
    'node_modules/xxhash-addon/**',
    'node_modules/node-gyp-build/**',
    'node_modules/bindings/**',
    'node_modules/file-uri-to-path/**',
    'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm',
    '**/*.node',
  ],
  // Native modules are rebuilt for Electron's ABI at packaging time.
  npmRebuild: true,
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Graphics',
    // deb needs a maintainer; package.json has no "author" to derive it from.
    maintainer: 'dimsearch contributors',
    synopsis: 'Find similar photos with Deep InfoMax, on your own machine',
  },
  deb: { depends: ['libnss3', 'libgtk-3-0', 'libxss1'] },
  mac: { target: ['dmg'], category: 'public.app-category.photography', hardenedRuntime: true },
  win: { target: ['nsis'] },
  nsis: { oneClick: false, allowToChangeInstallationDirectory: true },
};

export default config;
