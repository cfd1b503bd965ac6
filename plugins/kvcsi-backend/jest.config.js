// The dev backend's configuration (dev/) is tested too: it decides what the dev server exposes.
module.exports = require('../../jest.preset.js')(__dirname, { roots: ['<rootDir>/src', '<rootDir>/dev'] });
