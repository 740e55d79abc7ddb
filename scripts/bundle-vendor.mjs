// pretty-bytes is ESM-only. Jest runs setup files (our matchers) through its own CommonJS module
// registry, where require() of an ES module fails on Node 20, so we ship it as one CommonJS file.
import { build } from 'esbuild';

await build({
  entryPoints: ['node_modules/pretty-bytes/index.js'],
  outfile: 'vendor/pretty-bytes.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  legalComments: 'inline',
  banner: { js: '// pretty-bytes (MIT, Sindre Sorhus), bundled as CommonJS by scripts/bundle-vendor.mjs' },
  logLevel: 'warning',
});
