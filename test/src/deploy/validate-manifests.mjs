// Validates Kubernetes objects against the Kubernetes OpenAPI schemas that kubernetes-models ships (precompiled
// validators, nothing downloaded). kubernetes-models is ESM-only and jest runs CommonJS, so the render test runs
// this file with Node: a JSON array of objects on stdin, a JSON array of { index, kind, name, errors } on stdout.
import { readFileSync } from 'node:fs';
import process from 'node:process';

/** `apps/v1` + `Deployment` → `kubernetes-models/apps/v1/Deployment`; the core group is `v1`. */
const modulePath = (apiVersion, kind) => `kubernetes-models/${apiVersion}/${kind}`;

const objects = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const [index, object] of objects.entries()) {
  const name = object?.metadata?.name;
  let Model;
  try {
    Model = (await import(modulePath(object.apiVersion, object.kind)))[object.kind];
  } catch {
    results.push({ index, kind: object.kind, name, errors: [`no schema for ${object.apiVersion} ${object.kind}`] });
    continue;
  }
  try {
    new Model(object).validate();
    results.push({ index, kind: object.kind, name, errors: [] });
  } catch (error) {
    results.push({ index, kind: object.kind, name, errors: [String(error?.message ?? error)] });
  }
}
process.stdout.write(JSON.stringify(results));
