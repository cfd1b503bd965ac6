'use strict';
/**
 * A stand-in for the npm registry an adopter publishes kvcsi to (their Artifactory, GitHub Packages, Azure
 * Artifacts…): serves packuments and tarballs for the packed workspaces on loopback, so `yarn add @kvcsi/…` in the
 * generated app runs exactly as plugins/*\/README.md says, with `npmScopes.kvcsi.npmRegistryServer` pointing here.
 * Everything outside the scope still comes from the real registry.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const zlib = require('node:zlib');

/** The package.json inside an npm tarball (ustar: 512-byte headers, `package/package.json`). */
function readPackedManifest(tarball) {
  const tar = zlib.gunzipSync(fs.readFileSync(tarball));
  for (let offset = 0; offset + 512 <= tar.length;) {
    const name = tar.subarray(offset, offset + 100).toString('utf8').replace(/\0.*$/s, '');
    const prefix = tar.subarray(offset + 345, offset + 500).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(tar.subarray(offset + 124, offset + 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8);
    const full = prefix ? `${prefix}/${name}` : name;
    if (full === 'package/package.json') return JSON.parse(tar.subarray(offset + 512, offset + 512 + size).toString('utf8'));
    if (name === '') break;
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${tarball} holds no package/package.json`);
}

/** `{ name → { version, manifest, file, integrity, shasum, publishedAt } }` for the tarballs in `folder`. */
function indexTarballs(folder) {
  const packages = new Map();
  for (const file of fs.readdirSync(folder).filter((entry) => entry.endsWith('.tgz'))) {
    const full = path.join(folder, file);
    const manifest = readPackedManifest(full);
    const bytes = fs.readFileSync(full);
    packages.set(manifest.name, {
      version: manifest.version,
      manifest,
      file: full,
      integrity: `sha512-${crypto.createHash('sha512').update(bytes).digest('base64')}`,
      shasum: crypto.createHash('sha1').update(bytes).digest('hex'),
      // The pack time is the publish time: create-app's npmMinimalAgeGate reads it (and the README says what to do).
      publishedAt: fs.statSync(full).mtime.toISOString(),
    });
  }
  return packages;
}

function packument(entry, origin) {
  const { manifest, version } = entry;
  const tarballName = `${manifest.name.split('/').pop()}-${version}.tgz`;
  return {
    name: manifest.name,
    'dist-tags': { latest: version },
    time: { created: entry.publishedAt, modified: entry.publishedAt, [version]: entry.publishedAt },
    versions: {
      [version]: { ...manifest, _id: `${manifest.name}@${version}`, dist: { tarball: `${origin}/${manifest.name}/-/${tarballName}`, integrity: entry.integrity, shasum: entry.shasum } },
    },
  };
}

/**
 * Serves the tarballs in `folder` on 127.0.0.1 (a free port). Resolves to `{ url, requests, close() }`; `requests`
 * lists what was asked for, so the caller can tell the packages really came from here.
 */
function startStandInRegistry(folder) {
  const packages = indexTarballs(folder);
  const requests = [];
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url || '/', 'http://x').pathname).replace(/^\/+/, '');
    requests.push(`${req.method} /${pathname}`);
    // One request per connection: yarn keeps sockets alive longer than node's server does (5 s), and a request on a
    // socket the server just closed ends yarn 4.13 with "The `onCancel` handler was attached after the promise settled".
    res.setHeader('connection', 'close');
    const tarball = pathname.match(/^(@[^/]+\/[^/]+|[^/@][^/]*)\/-\/[^/]+\.tgz$/);
    const entry = packages.get(tarball ? tarball[1] : pathname);
    if (entry === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Not found' }));
      return;
    }
    if (tarball) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      fs.createReadStream(entry.file).pipe(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument(entry, `http://${req.headers.host}`)));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        packages,
        requests,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

module.exports = { startStandInRegistry, readPackedManifest };
