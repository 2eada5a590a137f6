/** The scan report's JSON Schema (docs/scan.schema.json), compiled once with Ajv. */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';

const schema = JSON.parse(readFileSync(new URL('../../docs/scan.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ strict: true, allErrors: true });
const validate = ajv.compile(schema);

/** Schema errors of a report (as JSON would carry it), or [] when it is valid. */
export function schemaErrors(report: unknown): string[] {
  const json = JSON.parse(JSON.stringify(report)) as unknown;
  if (validate(json)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
