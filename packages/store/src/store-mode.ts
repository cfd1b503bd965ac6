/**
 * Which kind of kvcsi made a store: `sandbox` or `live`. Sandbox mode has well-known users (`--as`) and a well-known
 * decision key, so it must never act on a live store: shown a store it did not create, it refuses. A live process
 * refuses a sandbox store in turn (its decisions are signed with a key everyone knows).
 */
import { KvcsiError } from '@kvcsi/core';
import type { Knex } from 'knex';
import { toStoreError } from './errors.js';
import { REQUESTS_TABLE, STORE_META_TABLE } from './tables.js';

export type StoreMode = 'sandbox' | 'live';

const MODE_KEY = 'mode';

function refuse(wanted: StoreMode, found: StoreMode, where: string): KvcsiError {
  const text = wanted === 'sandbox'
    ? `sandbox mode refuses ${where}: the sandbox did not create it (it is a live store); use another KVCSI_DATABASE_URL, or leave sandbox mode`
    : `${where} was created by sandbox mode (well-known users and decision key); a live kvcsi refuses it`;
  return new KvcsiError('FORBIDDEN', text, { field: 'KVCSI_DATABASE_URL', rule: 'sandbox mode and live kvcsi never share a store', details: { storeMode: found, wanted } });
}

/**
 * Records the mode on a fresh store; refuses a store of the other mode. A store with requests but no mark predates
 * the mark and counts as live.
 */
export async function claimStoreMode(knex: Knex, wanted: StoreMode, where: string): Promise<void> {
  let found: StoreMode | undefined;
  try {
    found = await knex.transaction(async (trx) => {
      const row = await trx(STORE_META_TABLE).select('value').where({ key: MODE_KEY }).first<{ value: string } | undefined>();
      if (row) return row.value === 'sandbox' ? 'sandbox' : 'live';
      const used = await trx(REQUESTS_TABLE).first('id');
      const mode: StoreMode = used ? 'live' : wanted;
      await trx(STORE_META_TABLE).insert({ key: MODE_KEY, value: mode }).onConflict('key').ignore();
      const settled = await trx(STORE_META_TABLE).select('value').where({ key: MODE_KEY }).first<{ value: string }>();
      return settled.value === 'sandbox' ? 'sandbox' : 'live';
    });
  } catch (error) {
    throw toStoreError(error, 'read the store mode');
  }
  if (found !== wanted) throw refuse(wanted, found, where);
}
