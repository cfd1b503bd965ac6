/* eslint-disable @typescript-eslint/no-require-imports -- required on first use, not at start: the store brings knex,
   its drivers and lodash, which lint, render, explain, clusters, --help and --version never need. */
import type * as Store from '@kvcsi/store';

export const loadStore = (): typeof Store => require('@kvcsi/store');
