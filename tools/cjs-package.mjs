// The CommonJS build (dist/cjs, from tsconfig.cjs.json) is CommonJS for Node and for
// TypeScript because of this package.json beside it; the root package.json says "module".
import { writeFileSync } from 'node:fs';

writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
