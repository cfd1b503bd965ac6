/**
 * Every workspace declares exactly what it imports (issue 12): a file that ships must find each package it imports in
 * `dependencies` or `peerDependencies`; a test-only file may also use `devDependencies`. A package declared but never
 * imported is reported too, so the lists stay exact. TypeScript's parser finds the specifiers: static imports,
 * `export … from`, `import()`, `require()`; type-only imports may come from development dependencies.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../../..');
const SOURCE_EXTENSIONS = /\.(ts|tsx|js|mjs|cjs)$/;
const SKIPPED_FOLDERS = new Set(['node_modules', 'coverage']);
/** Files that never ship: tests, fixtures and test helpers (each workspace's `files` leaves them out). */
const TEST_ONLY = /(\.test\.|\.fixtures\.|(^|\/)testing(\/|\.)|(^|\/)test-support\.|(^|\/)test-io\.|(^|\/)sdkTestHelpers\.|(^|\/)setupTests\.|(^|\/)ts-worker-bootstrap\.cjs$)/;
/** What a package ships is built from these folders; anything else in a workspace (dev apps, benches, jest setup) is a development tool. */
const SHIPPED_FOLDERS = new Set(['src', 'bin', 'public']);
const BUILTINS = new Set(builtinModules);
/** Packages a declared dependency loads by name, never imported by our code: knex's drivers, a framework's peers. */
const LOADED_BY_NAME: Record<string, string[]> = {
  '@kvcsi/store': ['better-sqlite3', 'pg'],
  // A peer the plugin passes on to Backstage's catalog-react and core-components, which import it.
  '@kvcsi/backstage-plugin': ['react-router-dom'],
};

interface Manifest {
  name: string;
  private?: boolean;
  main?: string;
  bin?: unknown;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  workspaces?: string[];
}

const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;

function sourceFiles(dir: string, base = dir): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (SKIPPED_FOLDERS.has(entry) || entry.startsWith('.') || entry.startsWith('dist')) continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) found.push(...sourceFiles(full, base));
    else if (SOURCE_EXTENSIONS.test(entry) && !entry.endsWith('.d.ts')) found.push(full);
  }
  return found;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; relative paths and Node built-ins → undefined. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return BUILTINS.has(name) ? undefined : name;
}

interface ImportedSpecifier { specifier: string; typeOnly: boolean }

/** Every module specifier of a file: static and dynamic imports, re-exports and `require()`; `typeOnly` when it vanishes from the JavaScript. */
function importsOf(file: string): ImportedSpecifier[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: ImportedSpecifier[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const everyNameTypeOnly = named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((element) => element.isTypeOnly) && clause?.name === undefined;
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: clause?.isTypeOnly === true || everyNameTypeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0]!)) {
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isRequire || node.expression.kind === ts.SyntaxKind.ImportKeyword) found.push({ specifier: (node.arguments[0] as ts.StringLiteral).text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

interface Violation { workspace: string; file: string; pkg: string; rule: string }

function check(workspaceDir: string): { violations: Violation[]; unused: string[] } {
  const manifest = readManifest(workspaceDir);
  const shipping = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
  const development = new Set(Object.keys(manifest.devDependencies ?? {}));
  const used = new Set<string>();
  const violations: Violation[] = [];
  // A private workspace with no entry point (the cross-package tests) ships nothing: every file is a test file.
  const shipsNothing = manifest.private === true && manifest.main === undefined && manifest.bin === undefined;
  for (const file of sourceFiles(workspaceDir)) {
    const relative = path.relative(workspaceDir, file);
    const testOnly = shipsNothing || TEST_ONLY.test(relative) || !SHIPPED_FOLDERS.has(relative.split(path.sep)[0]!);
    for (const { specifier, typeOnly } of importsOf(file)) {
      const pkg = packageOf(specifier);
      if (pkg === undefined || pkg === manifest.name) continue;
      used.add(pkg);
      if (shipping.has(pkg)) continue;
      // Type-only imports vanish from the JavaScript a package ships; a development dependency is enough for them.
      if ((testOnly || typeOnly) && development.has(pkg)) continue;
      if (violations.some((known) => known.pkg === pkg && known.rule === (development.has(pkg) ? 'a shipped file imports a devDependency' : 'imported but not declared'))) continue;
      violations.push({
        workspace: manifest.name, file: relative, pkg,
        rule: development.has(pkg) ? 'a shipped file imports a devDependency' : 'imported but not declared',
      });
    }
  }
  // @types/* and tools run by scripts (jest, eslint, tsc) are used without an import.
  const loadedByName = new Set(LOADED_BY_NAME[manifest.name] ?? []);
  const unused = [...shipping].filter((pkg) => !used.has(pkg) && !pkg.startsWith('@types/') && !loadedByName.has(pkg));
  return { violations, unused };
}

const workspaces = readManifest(ROOT).workspaces ?? [];

describe('declared dependencies', () => {
  it.each(workspaces)('%s imports only what it declares, and ships no test-only dependency', (workspace) => {
    const { violations } = check(path.join(ROOT, workspace));
    expect(violations).toEqual([]);
  });

  it.each(workspaces)('%s declares no production dependency it never imports', (workspace) => {
    const { unused } = check(path.join(ROOT, workspace));
    expect(unused).toEqual([]);
  });

  it('finds an undeclared import (the check itself can fail)', () => {
    expect(packageOf('@azure/identity/dist/x')).toBe('@azure/identity');
    expect(packageOf('msw/node')).toBe('msw');
    expect(packageOf('node:fs')).toBeUndefined();
    expect(packageOf('fs')).toBeUndefined();
    expect(packageOf('./local.js')).toBeUndefined();
  });
});
