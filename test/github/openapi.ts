/**
 * Loads test/github/openapi-subset.json (written by scripts/extract-openapi.mjs)
 * and answers three questions for the fake GitHub server: which operation does
 * a request address, is the request valid for it, and does the fake's own
 * response conform to the documented success schema.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

type Schema = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: Schema;
}

export interface Operation {
  operationId: string;
  method: string;
  path: string;
  /** Only set when the operation lives on another host (uploads.github.com). */
  servers?: string[];
  docs?: string;
  parameters: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { schema?: Schema }>;
}

interface Subset {
  source: { package: string; version: string };
  operations: Operation[];
  components: { schemas: Record<string, Schema> };
}

/** One failed check, phrased so both GitHub-like error bodies and violation strings can use it. */
export interface FieldError {
  /** Dotted location: `body.output.annotations`, `query.per_page`, `path.issue_number`. */
  field: string;
  message: string;
  code: 'missing_field' | 'invalid';
}

export interface RouteMatch {
  op: Operation;
  /** Decoded path parameters, still strings. */
  pathParams: Record<string, string>;
}

interface CompiledRoute {
  op: Operation;
  regex: RegExp;
  names: string[];
  literalSegments: number;
}

const SCHEMA_ID = 'github-openapi-subset';

/**
 * Rewrites OpenAPI 3.0 schema dialect into plain JSON Schema that Ajv understands:
 * `nullable: true` becomes a `null` type/enum member, component refs point into
 * the registered definitions, and discriminated `oneOf`s become `anyOf` (GitHub's
 * private-user is a superset of public-user, so a strict oneOf can never pass).
 */
function normalize(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(normalize);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema as Schema)) {
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.replace('#/components/schemas/', `${SCHEMA_ID}#/definitions/`);
    } else if (key === 'properties' || key === 'definitions' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, normalize(v)]));
    } else if (key === 'enum' || key === 'required' || key === 'default') {
      out[key] = value;
    } else if (key !== 'nullable' && key !== 'discriminator') {
      out[key] = normalize(value);
    }
  }
  const discriminated = 'discriminator' in (schema as Schema) && Array.isArray(out.oneOf);
  if (discriminated) {
    out.anyOf = out.oneOf;
    delete out.oneOf;
  }
  if ((schema as Schema).nullable !== true) return out;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  // No `type` to widen (e.g. a bare $ref or allOf): accept null alongside the schema.
  return { anyOf: [{ type: 'null' }, out] };
}

function createAjv(subset: Subset): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  // Formats used by the subset; ajv-formats is not a dependency, and these are simple.
  const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
  ajv.addFormat('date-time', (s: string) => dateTime.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addFormat('uri', (s: string) => URL.canParse(s));
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('binary', true);
  const definitions = Object.fromEntries(
    Object.entries(subset.components.schemas).map(([name, s]) => [name, normalize(s)]),
  );
  ajv.addSchema({ $id: SCHEMA_ID, definitions });
  return ajv;
}

function describeError(e: ErrorObject, root: string): FieldError {
  const pointer = e.instancePath.split('/').filter(Boolean).join('.');
  const at = pointer ? `${root}.${pointer}` : root;
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return { field: `${at}.${missing}`, message: `"${missing}" wasn't supplied`, code: 'missing_field' };
  }
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
    return {
      field: at,
      message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
      code: 'invalid',
    };
  }
  return { field: at, message: e.message ?? e.keyword, code: 'invalid' };
}

/** Collapses Ajv's error list (allErrors + anyOf branches are noisy) into unique field errors. */
function describeErrors(errors: ErrorObject[] | null | undefined, root: string): FieldError[] {
  const seen = new Map<string, FieldError>();
  for (const e of errors ?? []) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if') continue;
    const d = describeError(e, root);
    seen.set(`${d.field}:${d.message}`, d);
  }
  return [...seen.values()];
}

/** Query strings and path segments are text; coerce them per their schema before validating. */
function coerce(raw: string, schema: Schema): unknown {
  const type = schema.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}

export class OpenApiSubset {
  readonly operations: Operation[];
  readonly version: string;
  private readonly ajv: Ajv;
  private readonly routes: CompiledRoute[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(subset: Subset) {
    this.operations = subset.operations;
    this.version = `${subset.source.package}@${subset.source.version}`;
    this.ajv = createAjv(subset);
    this.routes = subset.operations.map(compileRoute).sort((a, b) => b.literalSegments - a.literalSegments);
  }

  static load(file = new URL('./openapi-subset.json', import.meta.url)): OpenApiSubset {
    return new OpenApiSubset(JSON.parse(readFileSync(file, 'utf8')) as Subset);
  }

  operation(operationId: string): Operation {
    const op = this.operations.find((o) => o.operationId === operationId);
    if (!op) throw new Error(`operation ${operationId} is not in the OpenAPI subset`);
    return op;
  }

  /** Finds the operation for a method + path; `pathOnly` is set when only the method is wrong. */
  match(method: string, pathname: string): RouteMatch | { pathOnly: boolean } {
    let pathOnly = false;
    for (const route of this.routes) {
      const m = route.regex.exec(pathname);
      if (!m) continue;
      if (route.op.method !== method) {
        pathOnly = true;
        continue;
      }
      const pathParams: Record<string, string> = {};
      route.names.forEach((name, i) => {
        pathParams[name] = safeDecode(m[i + 1] ?? '');
      });
      return { op: route.op, pathParams };
    }
    return { pathOnly };
  }

  /** Coerces and validates path + query parameters. Unknown query keys are reported separately. */
  validateParameters(
    op: Operation,
    pathParams: Record<string, string>,
    query: URLSearchParams,
  ): { values: Record<string, unknown>; errors: FieldError[]; unknownQuery: string[] } {
    const values: Record<string, unknown> = {};
    const errors: FieldError[] = [];
    for (const param of op.parameters) {
      const raw = param.in === 'path' ? pathParams[param.name] : (query.get(param.name) ?? undefined);
      const field = `${param.in}.${param.name}`;
      if (raw === undefined) {
        if (param.required) errors.push({ field, message: `"${param.name}" wasn't supplied`, code: 'missing_field' });
        else if (param.schema.default !== undefined) values[param.name] = param.schema.default;
        continue;
      }
      const value = coerce(raw, param.schema);
      const validate = this.validator(`param:${op.operationId}:${field}`, param.schema);
      if (validate(value)) values[param.name] = value;
      else errors.push(...describeErrors(validate.errors, field));
    }
    const known = new Set(op.parameters.filter((p) => p.in === 'query').map((p) => p.name));
    const unknownQuery = [...new Set(query.keys())].filter((k) => !known.has(k));
    return { values, errors, unknownQuery };
  }

  /** Validates a parsed JSON request body (undefined = no body sent). */
  validateJsonBody(op: Operation, body: unknown): FieldError[] {
    const schema = op.requestBody?.content['application/json']?.schema;
    if (!op.requestBody || !schema) {
      return body === undefined
        ? []
        : [{ field: 'body', message: 'this operation takes no JSON body', code: 'invalid' }];
    }
    if (body === undefined) {
      return op.requestBody.required
        ? [{ field: 'body', message: 'a JSON body is required', code: 'missing_field' }]
        : [];
    }
    const validate = this.validator(`body:${op.operationId}`, schema);
    return validate(body) ? [] : describeErrors(validate.errors, 'body');
  }

  /**
   * Checks a response body the fake is about to send. Returns problems as text;
   * an undocumented status is itself a problem.
   */
  validateResponse(op: Operation, status: number, body: unknown): string[] {
    const response = op.responses[String(status)];
    if (!response) return [`status ${status} is not a documented success status`];
    if (!response.schema) return body === undefined ? [] : [`status ${status} documents no body`];
    const validate = this.validator(`response:${op.operationId}:${status}`, response.schema);
    if (validate(body)) return [];
    return describeErrors(validate.errors, 'response').map((e) => `${e.field}: ${e.message}`);
  }

  private validator(key: string, schema: Schema): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(normalize(schema) as Schema);
      this.validators.set(key, validate);
    }
    return validate;
  }
}

function compileRoute(op: Operation): CompiledRoute {
  const names: string[] = [];
  const segments = op.path.split('/').slice(1);
  let literalSegments = 0;
  const pattern = segments
    .map((segment, i) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) {
        literalSegments++;
        return escapeRegex(segment);
      }
      names.push(param[1]!);
      // Git refs ("heads/main") may arrive with raw slashes instead of %2F: let a trailing {ref} span segments.
      return param[1] === 'ref' && i === segments.length - 1 ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { op, regex: new RegExp(`^/${pattern}/?$`), names, literalSegments };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

let shared: OpenApiSubset | undefined;

/** One parsed subset (and one Ajv cache) per process: compiling validators is the slow part. */
export function loadSubset(): OpenApiSubset {
  shared ??= OpenApiSubset.load();
  return shared;
}
