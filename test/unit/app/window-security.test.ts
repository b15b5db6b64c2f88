/**
 * The Electron shell's security settings, checked without an Electron binary:
 *   - the window's options and both Content-Security-Policies are imported and checked as values;
 *   - main.ts, ipc.ts and preload.ts are parsed with the TypeScript compiler and their structure
 *     checked: the only BrowserWindow is built from mainWindowOptions, the sandbox is enabled for
 *     every renderer, navigation/redirects/new windows/webviews/permissions are refused, every IPC
 *     handler goes through dispatchIpcCall (sender + schema check), the preload exposes one API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { desktopContentSecurityPolicy } from '../../../main/app/app-protocol';
import { computeWindowOptions, denyNewWindow, mainWindowOptions } from '../../../main/app/window-config';
import { webContentSecurityPolicy } from '../../../main/server/http';

const appDir = fileURLToPath(new URL('../../../main/app/', import.meta.url));

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(join(appDir, file), 'utf8'), ts.ScriptTarget.Latest, true);
}

function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node);
  node.forEachChild((child) => walk(child, visit));
}

/** Calls whose callee reads like `text` (e.g. 'app.enableSandbox', 'contents.on'). */
function callsTo(source: ts.SourceFile, text: string): ts.CallExpression[] {
  const found: ts.CallExpression[] = [];
  walk(source, (node) => {
    if (ts.isCallExpression(node) && node.expression.getText(source) === text) found.push(node);
  });
  return found;
}

function stringArg(call: ts.CallExpression, index: number): string | undefined {
  const arg = call.arguments[index];
  return arg && ts.isStringLiteralLike(arg) ? arg.text : undefined;
}

function parseCsp(policy: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (!name) continue;
    assert.ok(!directives.has(name), `directive ${name} given twice`);
    directives.set(name, values);
  }
  return directives;
}

test('the window runs its renderer isolated, sandboxed and without Node', () => {
  const options = mainWindowOptions('/app/dist/main/app/preload.cjs');
  const prefs = options.webPreferences!;
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInWorker, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.allowRunningInsecureContent, false);
  assert.equal(prefs.webviewTag, false);
  assert.equal(prefs.experimentalFeatures, false);
  assert.equal(prefs.enableBlinkFeatures, undefined);
  assert.ok(prefs.preload && isAbsolute(prefs.preload) && prefs.preload.endsWith('preload.cjs'));
  assert.deepEqual(denyNewWindow, { action: 'deny' });
});

test('the hidden compute window gets the same locked-down preferences, and is never shown', () => {
  const options = computeWindowOptions('/app/dist/main/app/compute-preload.cjs');
  assert.equal(options.show, false);
  const { backgroundThrottling, ...prefs } = options.webPreferences!;
  assert.equal(backgroundThrottling, false, 'a hidden page must not be throttled');
  assert.deepEqual(prefs, { ...mainWindowOptions('/app/dist/main/app/compute-preload.cjs').webPreferences });
  const window = parse('compute-window.ts');
  const windows: ts.NewExpression[] = [];
  walk(window, (node) => {
    if (ts.isNewExpression(node) && node.expression.getText(window) === 'BrowserWindow') windows.push(node);
  });
  assert.equal(windows.length, 1);
  assert.equal(windows[0]!.arguments?.[0]?.getText(window), 'computeWindowOptions(preloadPath)');
  assert.match(window.getText(), /loadURL\(`\$\{appOrigin\}\/compute\.html`\)/, 'it loads our own page only');
});

for (const [name, policy, imageSchemes] of [
  ['desktop', desktopContentSecurityPolicy, ["'self'", 'dimsearch:', 'blob:', 'data:']],
  ['web', webContentSecurityPolicy, ["'self'", 'blob:', 'data:']],
] as const) {
  test(`the ${name} Content-Security-Policy allows our own code only and nothing off the machine`, () => {
    const csp = parseCsp(policy);
    assert.deepEqual(csp.get('default-src'), ["'none'"]);
    assert.deepEqual(csp.get('script-src'), ["'self'"], 'no inline or eval\'d scripts, no other origin');
    assert.deepEqual(csp.get('style-src'), ["'self'"]);
    assert.deepEqual(csp.get('connect-src'), ["'self'"], 'the page can talk to its own origin only');
    assert.deepEqual(csp.get('img-src'), [...imageSchemes]);
    assert.deepEqual(csp.get('base-uri'), ["'none'"]);
    assert.deepEqual(csp.get('form-action'), ["'none'"]);
    assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
    if (name === 'desktop') assert.deepEqual(csp.get('object-src'), ["'none'"]);
    for (const [directive, values] of csp) {
      for (const value of values) {
        assert.doesNotMatch(value, /unsafe|^\*$|^https?:|^wss?:|^http/, `${directive} ${value}`);
      }
    }
  });
}

test('main.ts builds its only window from mainWindowOptions and enables the sandbox for all renderers', () => {
  const main = parse('main.ts');
  const windows: ts.NewExpression[] = [];
  walk(main, (node) => {
    if (ts.isNewExpression(node) && node.expression.getText(main) === 'BrowserWindow') windows.push(node);
  });
  assert.equal(windows.length, 1, 'one BrowserWindow');
  const [arg, ...rest] = windows[0]!.arguments ?? [];
  assert.equal(rest.length, 0);
  assert.ok(arg && ts.isCallExpression(arg) && arg.expression.getText(main) === 'mainWindowOptions', 'built from mainWindowOptions, nothing merged in');
  assert.equal(callsTo(main, 'app.enableSandbox').length, 1);
  assert.equal(callsTo(main, 'registerSchemePrivileges').length, 1);
});

test('main.ts refuses navigation, redirects, new windows, webviews and permission requests', () => {
  const main = parse('main.ts');
  const handlers = new Map<string, string>();
  for (const call of callsTo(main, 'contents.on')) {
    const event = stringArg(call, 0);
    if (event) handlers.set(event, call.arguments[1]!.getText(main));
  }
  for (const event of ['will-navigate', 'will-redirect']) {
    const body = handlers.get(event);
    assert.ok(body, `${event} is handled`);
    assert.match(body, /if \(!isAppUrl\(url\)\) event\.preventDefault\(\)/, `${event} lets only our own pages load`);
  }
  assert.match(handlers.get('will-attach-webview') ?? '', /event\.preventDefault\(\)/);
  const openers = callsTo(main, 'contents.setWindowOpenHandler');
  assert.equal(openers.length, 1);
  assert.equal(openers[0]!.arguments[0]!.getText(main), '() => denyNewWindow');
  const permissions = callsTo(main, 'session.defaultSession.setPermissionRequestHandler');
  assert.equal(permissions.length, 1);
  assert.match(permissions[0]!.arguments[0]!.getText(main), /callback\(false\)$/);
  const checks = callsTo(main, 'session.defaultSession.setPermissionCheckHandler');
  assert.equal(checks[0]?.arguments[0]!.getText(main), '() => false');
  // These handlers are installed for every web contents, before any window exists.
  const created = callsTo(main, 'app.on').filter((c) => stringArg(c, 0) === 'web-contents-created');
  assert.equal(created.length, 1);
});

test('every IPC handler goes through dispatchIpcCall; no other file listens on IPC', () => {
  const ipc = parse('ipc.ts');
  const handles = callsTo(ipc, 'ipcMain.handle');
  assert.equal(handles.length, 1, 'one registration, in a loop over the contract');
  const handler = handles[0]!.arguments[1]!;
  assert.ok(ts.isArrowFunction(handler));
  assert.match(handler.getText(ipc), /return dispatchIpcCall\(backend, name, frame \? \{ url: frame\.url, isTopFrame: frame\.parent === null \} : null, input\)/);
  for (const file of readdirSync(appDir).filter((f) => f.endsWith('.ts') && f !== 'ipc.ts' && f !== 'compute-window.ts')) {
    const source = parse(file);
    for (const listener of ['ipcMain.handle', 'ipcMain.on', 'ipcMain.once', 'ipcMain.handleOnce']) {
      assert.deepEqual(callsTo(source, listener), [], `${file} calls ${listener}`);
    }
  }
  // The compute window's answers: one listener, which accepts messages from that window only.
  const compute = parse('compute-window.ts');
  const replies = callsTo(compute, 'ipcMain.on');
  assert.equal(replies.length, 1);
  assert.equal(replies[0]!.arguments[0]!.getText(compute), 'computeReplyChannel');
  assert.match(compute.getText(), /const onReply = \(event: IpcMainEvent, message: ComputeReplyMessage\) => \{\s+if \(event\.sender !== window\.webContents\) return;/);
  for (const listener of ['ipcMain.handle', 'ipcMain.once', 'ipcMain.handleOnce']) assert.deepEqual(callsTo(compute, listener), []);
  const computePreload = parse('compute-preload.ts');
  const bridged = callsTo(computePreload, 'contextBridge.exposeInMainWorld');
  assert.equal(bridged.length, 1);
  assert.equal(stringArg(bridged[0]!, 0), 'dimsearchComputeBridge', 'the compute page gets `serve`, never ipcRenderer');
  const preload = parse('preload.ts');
  const exposed = callsTo(preload, 'contextBridge.exposeInMainWorld');
  assert.equal(exposed.length, 1);
  assert.equal(stringArg(exposed[0]!, 0), 'dimsearch');
  assert.equal(exposed[0]!.arguments[1]!.getText(preload), 'api', 'only the contract API object, never ipcRenderer');
});
