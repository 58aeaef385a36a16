// Bundles the browser client (with sockjs-client inside) into one script-tag file that
// defines the global `Pushy`; the server serves it at /pushy/client.js.
import { build } from 'esbuild';

await build({
  entryPoints: ['client/global.ts'],
  outfile: 'dist/client/pushy.iife.js',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  legalComments: 'eof',
  // sockjs-client is written for browserify: it reads `global` and `process.env.NODE_ENV`.
  define: { global: 'globalThis', 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
