'use strict';
// Starts the sandbox in its own process (`npm run sandbox`), so a benchmark measures the component under test and not
// the simulation sharing its event loop.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { setTimeout, clearTimeout } = require('node:timers');

function startSandboxProcess({ timeoutInMs = 20_000 } = {}) {
  const main = path.join(__dirname, '../packages/sandbox/dist/remote/main.js');
  const child = spawn(process.execPath, [main, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, KVCSI_SANDBOX_STATE: '' } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the sandbox process did not start in time')), timeoutInMs);
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          pid: child.pid,
          stop: () => new Promise((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox process exited with ${code}`));
    });
  });
}

module.exports = { startSandboxProcess };
