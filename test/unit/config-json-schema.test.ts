import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchemaJson } from '../../src/config/json-schema.js';

const read = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'));

describe('config/intermission.schema.json', () => {
  it('is the schema generated from the zod schema (run `npm run schema` after changing it)', () => {
    expect(read('config/intermission.schema.json')).toEqual(configSchemaJson());
  });

  it('is referenced by the example config, which follows it', () => {
    const example = read('config/intermission.example.json') as Record<string, unknown>;
    expect(example.$schema).toBe('./intermission.schema.json');
    const schema = configSchemaJson() as { properties: Record<string, unknown>; additionalProperties?: boolean };
    expect(schema.additionalProperties).toBe(false);
    for (const key of Object.keys(example)) expect(Object.keys(schema.properties)).toContain(key);
  });
});
