'use strict';
// Test support, preloaded into a production bot (`node --require …`): this process's network to Entra ID, ARM, Key
// Vault and the AKS API servers goes to the sandbox served at KVCSI_TEST_NETWORK_SANDBOX_URL, as a network would
// route it; loopback passes. The bot itself is untouched and in production mode: it neither knows nor loads the
// sandbox (this file comes from the repository, not from the production folder). Runs in worker threads too.
const path = require('node:path');
const { listenRemoteSandbox } = require(path.resolve(__dirname, '../../../packages/sandbox/dist/index.js'));

const url = process.env.KVCSI_TEST_NETWORK_SANDBOX_URL;
if (!url) throw new Error('KVCSI_TEST_NETWORK_SANDBOX_URL is not set');
listenRemoteSandbox(url);
