import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseRegistryConfig } from '../clusters/load.js';
import type { ClusterRegistry } from '../clusters/registry.js';

/** The shipped example registry (the runbook's five clusters), for tests and the bench. */
export function exampleRegistry(): ClusterRegistry {
  const file = path.resolve(__dirname, '../../config/kvcsi.example.yaml');
  return parseRegistryConfig(readFileSync(file, 'utf8'), file);
}
