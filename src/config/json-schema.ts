import * as z from 'zod';
import { configSchema } from './schema.js';

/** The JSON Schema of a config file (what users write, so the input side of the schema). */
export function configSchemaJson(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: 'https://unpkg.com/intermission/config/intermission.schema.json',
    title: 'Intermission configuration',
    description: 'Config file of the intermission package (config/intermission.json). Environment variables and code options override it.',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}
