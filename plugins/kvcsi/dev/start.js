'use strict';
/**
 * `npm start -w @kvcsi/backstage-plugin`: bundles dev/index.tsx with esbuild and serves it on PORT (default 3002; the
 * console owns 3000). The page and /api share one origin: /api/* is forwarded to the dev backend (KVCSI_BACKEND_URL,
 * else http://localhost:$BACKEND_PORT, default 7007) with the backend's static token (KVCSI_DEV_TOKEN) added here, so the
 * browser needs neither CORS nor a sign-in, and the token never reaches the page.
 */
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const DEFAULT_DEV_TOKEN = 'kvcsi-dev-token-not-for-production';
const port = Number(process.env.PORT || 3002);
const host = process.env.HOST || '127.0.0.1';
const backendUrl = new URL(process.env.KVCSI_BACKEND_URL || `http://localhost:${process.env.BACKEND_PORT || 7007}`);
const token = process.env.KVCSI_DEV_TOKEN || DEFAULT_DEV_TOKEN;
const outdir = path.join(__dirname, '..', 'dist', 'dev-app');

function page(origin) {
  // The app reads its config from this tag (core-app-api's defaultConfigLoader); the backend is this same origin.
  // No sign-in page: the proxy authenticates every call with the static token.
  const config = [{ context: 'kvcsi-dev', data: { app: { baseUrl: origin, title: 'kvcsi dev', extensions: [{ 'sign-in-page:app': false }] }, backend: { baseUrl: origin } } }];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>kvcsi dev app</title>
<link rel="stylesheet" href="/static/index.css"><script type="backstage.io/config">${JSON.stringify(config).replace(/</g, '\\u003c')}</script></head>
<body><div id="root"></div><script src="/static/index.js"></script></body></html>`;
}

const TYPES = { '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff': 'font/woff', '.woff2': 'font/woff2', '.map': 'application/json' };

function serveStatic(pathname, res) {
  const file = path.join(outdir, path.normalize(pathname.slice('/static/'.length)));
  if (!file.startsWith(outdir) || !fs.existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
  fs.createReadStream(file).pipe(res);
}

function forward(req, res) {
  const headers = { ...req.headers, host: backendUrl.host, authorization: `Bearer ${token}` };
  delete headers.cookie;
  const upstream = http.request({ hostname: backendUrl.hostname, port: backendUrl.port, path: req.url, method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode || 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { name: 'BadGatewayError', message: `the dev backend at ${backendUrl.origin} did not answer: ${error.message}` } }));
  });
  req.pipe(upstream);
}

async function main() {
  const started = Date.now();
  const options = {
    entryPoints: { index: path.join(__dirname, 'index.tsx') },
    bundle: true,
    outdir,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    sourcemap: true,
    logLevel: 'warning',
    loader: { '.svg': 'file', '.png': 'file', '.woff': 'file', '.woff2': 'file', '.ttf': 'file' },
    publicPath: '/static',
    // As Backstage's bundler does (node-stdlib-browser): the catalog's CSV export requires node's `stream`.
    alias: { stream: 'stream-browserify' },
    define: { 'process.env.NODE_ENV': '"development"', 'process.env.APP_CONFIG': 'undefined', global: 'globalThis' },
    banner: { js: 'var process = globalThis.process || { env: {} };' },
  };
  const watch = process.argv.includes('--watch');
  if (watch) await (await esbuild.context(options)).watch();
  else await esbuild.build(options);
  console.log(`[kvcsi-dev-app] bundled in ${Date.now() - started} ms${watch ? ' (watching)' : ''}`);

  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url || '/', 'http://x');
    if (pathname.startsWith('/api/')) return forward(req, res);
    if (pathname.startsWith('/static/')) return serveStatic(pathname, res);
    if (pathname === '/') {
      res.writeHead(302, { location: '/catalog' }).end();
      return undefined;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(page(`http://${req.headers.host || `${host}:${port}`}`));
    return undefined;
  });
  server.listen(port, host, () => {
    console.log(`[kvcsi-dev-app] http://${host}:${server.address().port} → dev backend ${backendUrl.origin}`);
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
