import { describe, expect, it } from 'vitest';
import { isInsert } from '../../src/store/migrate.js';
import { backfillSettings, OPTIONAL_SETTINGS, packetInsertSettings } from '../../src/store/server-settings.js';

describe('packetInsertSettings', () => {
  it('runs the views in parallel on every server', () => {
    expect(packetInsertSettings(new Set())).toEqual({ parallel_view_processing: 1 });
  });
  it('turns optimize_on_insert off where the server knows it (20.x and later)', () => {
    expect(packetInsertSettings(new Set(['optimize_on_insert']))).toEqual({ parallel_view_processing: 1, optimize_on_insert: 0 });
  });
  it('ignores names it does not manage', () => {
    expect(packetInsertSettings(new Set(['max_threads']))).toEqual({ parallel_view_processing: 1 });
  });
});

describe('backfillSettings', () => {
  it('lifts the partitions-per-block limit where the server has it (19.x and later)', () => {
    expect(backfillSettings(new Set(OPTIONAL_SETTINGS))).toEqual({ max_partitions_per_insert_block: '0' });
    expect(backfillSettings(new Set())).toEqual({});
  });
  it('applies to INSERT statements, comments before them included', () => {
    expect(isInsert('-- History: the totals\n-- of everything\nINSERT INTO db.t SELECT 1')).toBe(true);
    expect(isInsert('CREATE TABLE db.t (x UInt8) ENGINE = Memory')).toBe(false);
    expect(isInsert('-- INSERT in a comment\nCREATE TABLE db.t (x UInt8) ENGINE = Memory')).toBe(false);
  });
});
