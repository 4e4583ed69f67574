import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, { $ref?: string; content?: unknown }> }>>;
  components: { responses: Record<string, { content?: Record<string, { schema: object }> }> };
}

/**
 * Checks a real response (route, status, JSON body) against openapi/openapi.yaml. OpenAPI 3.1 schemas are JSON
 * Schema 2020-12, so ajv compiles them as they are, with the whole document registered to resolve `$ref`s.
 */
export function createOpenApiResponseChecker(): (
  path: '/' | '/{tenantId}',
  status: number,
  body: unknown,
  contentType?: string,
) => void {
  const document = parse(
    readFileSync(join(__dirname, '..', '..', '..', 'openapi', 'openapi.yaml'), 'utf8'),
  ) as OpenApiDocument;
  // strict off: the document's non-schema members (paths, info, …) are not JSON Schema keywords.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(document, 'openapi');
  const compiled = new Map<string, ValidateFunction>();
  return (path, status, body, contentType = 'application/json') => {
    const mediaType = contentType.split(';')[0]?.trim() ?? '';
    const operation = document.paths[path]?.post;
    const response = operation?.responses?.[String(status)];
    if (!response) throw new Error(`openapi.yaml has no ${status} response for POST ${path}`);
    const name = response.$ref?.replace('#/components/responses/', '');
    const media = name === undefined ? undefined : document.components.responses[name]?.content?.[mediaType];
    if (!media || !name)
      throw new Error(`openapi.yaml response ${status} for POST ${path} has no ${mediaType} content`);
    const pointer = `openapi#/components/responses/${name}/content/${mediaType.replace('/', '~1')}/schema`;
    let validate = compiled.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: pointer });
      compiled.set(pointer, validate);
    }
    if (!validate(body))
      throw new Error(`POST ${path} ${status} body does not match openapi.yaml: ${ajv.errorsText(validate.errors)}`);
  };
}
