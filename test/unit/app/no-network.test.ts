/**
 * "Nothing leaves the machine", checked on the code itself (parsed with the TypeScript compiler):
 *   - no module under main/ imports a network client (http(s), net, tls, dgram, http2, fetch
 *     libraries); the one network module allowed is node:http in the web server, which only
 *     listens (bound to 127.0.0.1: see test/unit/server/http.test.ts); type-only imports are fine;
 *   - nothing under main/ calls fetch(), WebSocket or XMLHttpRequest;
 *   - the renderer fetches only same-origin relative URLs (its CSP also forbids anything else).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|mts|svelte)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The script part of a file (Svelte components: their <script> blocks). */
function parse(path: string): ts.SourceFile {
  let text = readFileSync(path, 'utf8');
  if (path.endsWith('.svelte')) text = [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
}

function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node);
  node.forEachChild((child) => walk(child, visit));
}

const NETWORK_MODULES = /^(node:)?(http|https|http2|net|tls|dgram)$|^(undici|node-fetch|axios|ws|got|request)$/;
const ALLOWED = new Map([['main/server/http.ts', new Set(['node:http'])]]);

/** Modules a file loads at run time: value imports, re-exports, dynamic import(), require(). */
function runtimeImports(source: ts.SourceFile): string[] {
  const found: string[] = [];
  walk(source, (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly = clause?.isTypeOnly || (clause?.namedBindings && ts.isNamedImports(clause.namedBindings) && !clause.name && clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !node.isTypeOnly) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression.getText(source);
      const arg = node.arguments[0];
      if ((node.expression.kind === ts.SyntaxKind.ImportKeyword || callee === 'require') && arg && ts.isStringLiteralLike(arg)) found.push(arg.text);
    }
  });
  return found;
}

test('no back-end module loads a network client; the web server only uses node:http', () => {
  const files = sourceFiles(join(repo, 'main'));
  assert.ok(files.length > 20);
  for (const file of files) {
    const name = relative(repo, file);
    const allowed = ALLOWED.get(name) ?? new Set<string>();
    for (const specifier of runtimeImports(parse(file))) {
      if (NETWORK_MODULES.test(specifier)) assert.ok(allowed.has(specifier), `${name} imports ${specifier}`);
    }
  }
});

test('nothing in the back end calls fetch, WebSocket or XMLHttpRequest', () => {
  for (const file of sourceFiles(join(repo, 'main'))) {
    const source = parse(file);
    walk(source, (node) => {
      if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && /^(globalThis\.)?(fetch|WebSocket|XMLHttpRequest|EventSource)$/.test(node.expression.getText(source))) {
        assert.fail(`${relative(repo, file)} calls ${node.expression.getText(source)}`);
      }
    });
  }
});

test('the renderer fetches same-origin relative URLs only', () => {
  for (const file of sourceFiles(join(repo, 'renderer', 'src'))) {
    const source = parse(file);
    walk(source, (node) => {
      if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && /^(globalThis\.|window\.)?(fetch|WebSocket|EventSource)$/.test(node.expression.getText(source))) {
        const url = node.arguments?.[0]?.getText(source) ?? '';
        assert.match(url, /^[`'"](\.\/|\/(?!\/))/, `${relative(repo, file)}: ${node.expression.getText(source)}(${url.slice(0, 60)})`);
      }
    });
  }
});
