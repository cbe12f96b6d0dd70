// The service as `npm start` runs it: app/main.ts (and the demo, and the evidence render thread)
// bundled by esbuild into dist/app/, minified. A process then holds a few chunks instead of ~850
// files, and none of their comments: V8 keeps every loaded module's source for as long as the
// process runs (bench/README.md, Memory).
import { build } from 'esbuild';

await build({
  entryPoints: [
    { in: 'app/main.ts', out: 'main' },
    { in: 'app/demo/run-demo.ts', out: 'run-demo' },
    // render-thread.ts starts it as `new URL('./render-worker.js', import.meta.url)`: every chunk is
    // emitted beside it, so that URL is the same from whichever chunk the code lands in.
    { in: 'src/evidence/render-worker.ts', out: 'render-worker' },
  ],
  outdir: 'dist/app',
  chunkNames: '[name]-[hash]',
  bundle: true,
  // The dynamic imports (a process's role, the render jobs, HarfBuzz) stay lazy: each is a chunk.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  // Errors, classes and logs keep their names (a stack trace still says which function).
  keepNames: true,
  legalComments: 'linked',
  sourcemap: 'linked',
  logLevel: 'warning',
  // The bundled CommonJS dependencies call require() for Node's modules.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  external: [
    // They read their own files (PDF data, the ICC profile, fonts, WebAssembly, the dashboard's
    // pages) by path, or load native code: they stay in node_modules, where those paths are.
    'pdfkit',
    // pdfkit loads it too: bundled, the process would hold two.
    'fontkit',
    'harfbuzzjs',
    '@embedpdf/*',
    '@expo-google-fonts/*',
    '@bull-board/*',
    'msgpackr-extract',
    // Its transports start worker threads from files in its package.
    'pino',
    // Optional native speed-ups of ws: absent unless installed.
    'bufferutil',
    'utf-8-validate',
  ],
});
