import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';

/**
 * JSON Schemas of Marathon's response objects, built from the RAML types vendored in
 * `upstream/marathon/` (see its README): every object closed (`additionalProperties:
 * false`), its non-`?` properties required; an optional property may also be null. A type
 * of a library that is not vendored (strings.PathId, appContainer.Container, ...) is
 * accepted as any value: the contract holds the objects' keys, and their values where
 * Marathon's types say.
 */

const DIR = join(import.meta.dirname, 'upstream', 'marathon');

type Node = Record<string, unknown>;
type Schema = Record<string, unknown>;

interface Library {
  file: string;
  /** A RAML DataType file: one type, named by the file. */
  dataType: boolean;
  uses: Record<string, string>;
  types: Record<string, unknown>;
}

/**
 * Keys Marathon returns that the vendored RAML does not list, each with where Marathon
 * documents it: `role` (apps have it since Marathon 1.9, the API emulated is 1.10),
 * `event_subscriber` (examples/info.json: null without HTTP callback subscribers).
 */
const ADDITIONS: Record<string, Record<string, Schema>> = {
  'app.raml#App': { role: { type: 'string' } },
  'info.raml#MarathonInfo': { event_subscriber: {} },
};

const SCALARS: Record<string, Schema> = {
  string: { type: 'string' },
  number: { type: 'number' },
  integer: { type: 'integer' },
  boolean: { type: 'boolean' },
  datetime: { type: 'string' },
  'datetime-only': { type: 'string' },
  'date-only': { type: 'string' },
  object: { type: 'object' },
  any: {},
  nil: { type: 'null' },
};

const libraries = new Map<string, Library | undefined>();

function library(file: string): Library | undefined {
  if (!libraries.has(file)) {
    let text: string | undefined;
    try {
      text = readFileSync(join(DIR, file), 'utf8');
    } catch {
      text = undefined; // not vendored: its types are any value
    }
    const doc = text === undefined ? undefined : (parse(text) as Node);
    // A RAML DataType file (versionInfo.raml) is one type named by its file.
    const types = doc?.types ? (doc.types as Record<string, unknown>) : doc ? { [file.replace(/\.raml$/, '')]: doc } : {};
    libraries.set(file, doc ? { file, dataType: !doc.types, uses: (doc.uses as Record<string, string>) ?? {}, types } : undefined);
  }
  return libraries.get(file);
}

const defs: Record<string, Schema> = {};

/** `#/$defs/<file>.<Type>`, built once (recursive types refer to themselves). */
function refTo(lib: Library, name: string): Schema {
  const key = `${lib.file.replace(/\.raml$/, '')}.${name}`;
  if (!(key in defs)) {
    defs[key] = {};
    defs[key] = build(lib, lib.types[name], `${lib.file}#${name}`);
  }
  return { $ref: `#/$defs/${key}` };
}

/** The library and type a name refers to in `lib` (`Type`, `alias.Type`, or a DataType file's `alias`). */
function resolve(lib: Library, name: string): { lib: Library; name: string } | undefined {
  const dot = name.indexOf('.');
  if (dot < 0) {
    if (name in lib.types) return { lib, name };
    const file = lib.uses[name];
    const used = file ? library(file) : undefined;
    return used ? { lib: used, name: Object.keys(used.types)[0]! } : undefined;
  }
  const file = lib.uses[name.slice(0, dot)];
  const used = file ? library(file) : undefined;
  const typeName = name.slice(dot + 1);
  if (used?.dataType) return { lib: used, name: Object.keys(used.types)[0]! };
  return used && typeName in used.types ? { lib: used, name: typeName } : undefined;
}

/** A RAML type expression: `Type`, `lib.Type`, `Type[]`, `(A | B)`, a scalar. */
function expression(lib: Library, expr: string): Schema {
  const e = expr.trim().replace(/^\((.*)\)$/, '$1');
  if (e.includes('|')) return { anyOf: e.split('|').map((part) => expression(lib, part)) };
  if (e.endsWith('[]')) return { type: 'array', items: expression(lib, e.slice(0, -2)) };
  if (e in SCALARS) return SCALARS[e]!;
  if (e === 'array') return { type: 'array' };
  const target = resolve(lib, e);
  return target ? refTo(target.lib, target.name) : {};
}

/** The properties of an object type, its parent's first (`type: Parent`). */
function propertiesOf(lib: Library, node: Node): [string, unknown, Library][] {
  const own = Object.entries((node.properties as Record<string, unknown>) ?? {}).map(([k, v]): [string, unknown, Library] => [k, v, lib]);
  const parent = typeof node.type === 'string' && !(node.type in SCALARS) && node.type !== 'array' ? resolve(lib, node.type) : undefined;
  const parentNode = parent?.lib.types[parent.name];
  const inherited = parent && parentNode && typeof parentNode === 'object' ? propertiesOf(parent.lib, parentNode as Node) : [];
  return [...inherited, ...own];
}

function build(lib: Library, node: unknown, key?: string): Schema {
  if (node === undefined || node === null) return {};
  if (typeof node === 'string') return expression(lib, node);
  if (Array.isArray(node)) return {};
  const n = node as Node;
  if (n.properties !== undefined) {
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const [raw, value, owner] of propertiesOf(lib, n)) {
      const optional = raw.endsWith('?');
      const name = optional ? raw.slice(0, -1) : raw;
      const schema = build(owner, value);
      properties[name] = optional ? { anyOf: [schema, { type: 'null' }] } : schema;
      if (!optional) required.push(name);
    }
    for (const [name, schema] of Object.entries((key && ADDITIONS[key]) ?? {})) properties[name] = schema;
    return { type: 'object', properties, required, additionalProperties: false };
  }
  if (Array.isArray(n.enum)) return { enum: n.enum };
  if (n.type === 'array') return { type: 'array', items: n.items === undefined ? {} : build(lib, n.items) };
  if (typeof n.type === 'string') return expression(lib, n.type);
  return {};
}

/** The schema of a vendored type (`file`, `Type`), or of an object made of several types' properties. */
export function marathonType(file: string, name: string): Schema {
  const lib = library(file);
  if (!lib || !(name in lib.types)) throw new Error(`${file} has no type ${name}`);
  return refTo(lib, name);
}

/**
 * An app as `/v2/apps` returns it: Marathon's App (app.raml) with AppInfo's status fields
 * (appInfo.raml) and `lastTaskFailure` (the `app.lastTaskFailure` embed of Marathon's REST
 * docs; its fields are Marathon's TaskFailure: appId, host, message, state, taskId,
 * timestamp, version, slaveId).
 */
export function appInfoSchema(): Schema {
  marathonType('app.raml', 'App');
  const app = defs['app.App']!;
  const info = library('appInfo.raml')!;
  const status = build(info, ((info.types.AppInfo as Node).properties as Node).app) as { properties: Record<string, Schema> };
  return {
    ...app,
    properties: {
      ...(app.properties as Record<string, Schema>),
      ...status.properties,
      lastTaskFailure: {
        type: 'object',
        properties: Object.fromEntries(['appId', 'host', 'message', 'state', 'taskId', 'timestamp', 'version', 'slaveId'].map((k) => [k, { type: 'string' }])),
        required: ['appId', 'host', 'message', 'state', 'taskId', 'timestamp', 'version'],
        additionalProperties: false,
      },
    },
  };
}

const ajv = new Ajv({ allErrors: true, strict: false });

/** A validator of `schema`: the list of problems (JSON pointer and message), empty when it holds. */
export function validatorOf(schema: Schema): (value: unknown) => string[] {
  const validate = ajv.compile({ $defs: defs, ...schema });
  return (value) => {
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (e: ErrorObject) =>
        `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`,
    );
  };
}
