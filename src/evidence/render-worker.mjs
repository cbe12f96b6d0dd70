// The render thread's entry. The project runs TypeScript through tsx without a build step, and a
// worker thread does not inherit a loader registered in code (vitest's, for one), so this plain
// module loads render-worker.ts through tsx's own API, resolved from here whatever the cwd.
import { tsImport } from 'tsx/esm/api';

await tsImport('./render-worker.ts', import.meta.url);
