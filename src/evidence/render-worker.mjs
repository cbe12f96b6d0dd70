// The render thread's entry when the bot runs from its TypeScript sources (tests, the demo, the
// benches); the built service starts the compiled render-worker.js instead. A worker thread does not
// inherit a loader registered in code (vitest's, for one), so this plain module loads
// render-worker.ts through tsx's own API, resolved from here whatever the cwd.
import { tsImport } from 'tsx/esm/api';

await tsImport('./render-worker.ts', import.meta.url);
