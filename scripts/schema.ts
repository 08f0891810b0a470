// Writes config/intermission.schema.json from the zod schema, so editors complete and check
// config files. `npm run schema`; a test fails when the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { configSchemaJson } from '../src/config/json-schema.js';

const path = new URL('../config/intermission.schema.json', import.meta.url);
writeFileSync(path, `${JSON.stringify(configSchemaJson(), null, 2)}\n`);
console.log(`wrote ${path.pathname}`);
