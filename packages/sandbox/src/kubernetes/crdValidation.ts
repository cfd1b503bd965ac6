import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { scenariosDirectory } from '../scenarios/load.js';
import { RESOURCES, type ResourcePlural } from './resources.js';
import { statusBody, type StatusBody } from './status.js';

/**
 * The Secrets Store CSI Driver CRDs as released (deploy/ at tag v1.6.0, byte-identical copies in ./crds), so writes
 * are checked against the same openAPIV3Schema the API server enforces.
 */
const CRD_FILES: Partial<Record<ResourcePlural, string>> = {
  secretproviderclasses: 'secrets-store.csi.x-k8s.io_secretproviderclasses.yaml',
  secretproviderclasspodstatuses: 'secrets-store.csi.x-k8s.io_secretproviderclasspodstatuses.yaml',
};

interface CrdVersion {
  name: string;
  schema: { openAPIV3Schema: Record<string, unknown> };
}

/** src/kubernetes/crds of the package, whether this runs from src/ (jest) or dist/ (the package ships the YAML). */
export function crdDirectory(): string {
  return path.join(path.dirname(scenariosDirectory()), 'kubernetes', 'crds');
}

/** The openAPIV3Schema of every served version of a CRD the sandbox ships, keyed by version name. */
export function crdSchemas(plural: ResourcePlural): Record<string, Record<string, unknown>> {
  const file = CRD_FILES[plural];
  if (file === undefined) return {};
  const crd = parse(readFileSync(path.join(crdDirectory(), file), 'utf8')) as { spec: { versions: CrdVersion[] } };
  return Object.fromEntries(crd.spec.versions.map((v) => [v.name, v.schema.openAPIV3Schema]));
}

// Kubernetes' structural schemas carry x-kubernetes-* keywords ajv does not know: not strict.
const ajv = new Ajv({ strict: false, allErrors: true });
const validators = new Map<string, ValidateFunction>();

function validatorFor(plural: ResourcePlural, version: string): ValidateFunction | undefined {
  const key = `${plural}/${version}`;
  if (!validators.has(key)) {
    const schema = crdSchemas(plural)[version];
    if (schema === undefined) return undefined;
    validators.set(key, ajv.compile(schema));
  }
  return validators.get(key);
}

/** Go's names for JSON types, as the API server prints them ("must be of type string: \"integer\""). */
function goType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function valueAt(object: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), object);
}

interface Cause {
  reason: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueNotSupported';
  message: string;
  field: string;
}

/**
 * One ajv error as the API server's field error (apimachinery field.Error: `<field>: Invalid value: "<type>": <field>
 * in body must be of type <t>: "<type>"`, `<field>: Required value`, `<field>: Unsupported value: …`).
 */
function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .reduce((out, key) => (/^\d+$/.test(key) ? `${out}[${key}]` : out === '' ? key : `${out}.${key}`), '');
}

function causeOf(error: ErrorObject, object: unknown): Cause {
  const base = fieldPath(error.instancePath);
  if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty: string }).missingProperty);
    const field = base === '' ? missing : `${base}.${missing}`;
    return { reason: 'FieldValueRequired', message: 'Required value', field };
  }
  const value = valueAt(object, error.instancePath);
  if (error.keyword === 'enum') {
    const allowed = ((error.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ');
    return { reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed}`, field: base };
  }
  if (error.keyword === 'type') {
    const expected = String((error.params as { type: string }).type);
    return { reason: 'FieldValueInvalid', message: `Invalid value: "${goType(value)}": ${base} in body must be of type ${expected}: "${goType(value)}"`, field: base };
  }
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${base} in body ${error.message ?? 'is invalid'}`, field: base };
}

/**
 * The API server's 422 for an object its CRD schema refuses, or undefined when it validates (or when the sandbox has no
 * CRD for the resource). Message: `<Kind>.<group> "<name>" is invalid: <cause>` or `… is invalid: [<cause>, <cause>]`.
 */
export function validateAgainstCrd(plural: ResourcePlural, object: { apiVersion?: string; metadata?: { name?: string } }): StatusBody | undefined {
  const version = (object.apiVersion ?? '').split('/')[1] ?? RESOURCES[plural].version;
  const name = object.metadata?.name ?? '';
  const validate = validatorFor(plural, version);
  const valid: boolean = validate === undefined || validate(object);
  if (valid || validate === undefined) return undefined;
  const causes = (validate.errors ?? []).map((e) => causeOf(e, object));
  const texts = causes.map((c) => `${c.field}: ${c.message}`);
  const resource = RESOURCES[plural];
  const kind = `${resource.kind}.${resource.group}`;
  return statusBody(422, 'Invalid', `${kind} "${name}" is invalid: ${texts.length === 1 ? texts[0] ?? '' : `[${texts.join(', ')}]`}`, {
    name,
    group: resource.group,
    kind: resource.kind,
    causes,
  });
}
