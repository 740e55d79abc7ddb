// The ESM entry re-exports the CommonJS build, so `import` and `require` share one copy of every
// class (instanceof keeps working when both are used in one process). Names come from the build
// itself, so the two entries cannot drift apart.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const names = Object.keys(require('../build/index.js')).filter((name) => name !== '__esModule' && name !== 'default');

writeFileSync(
  new URL('../build/index.mjs', import.meta.url),
  `import cjs from './index.js';\n\nexport const {\n${names.map((n) => `  ${n},`).join('\n')}\n} = cjs;\nexport default cjs;\n`,
);
writeFileSync(new URL('../build/index.d.mts', import.meta.url), `export * from './index.js';\nimport * as tracemalloc from './index.js';\nexport default tracemalloc;\n`);
