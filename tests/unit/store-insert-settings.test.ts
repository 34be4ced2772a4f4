import { describe, expect, it } from 'vitest';
import { OPTIONAL_INSERT_SETTINGS, packetInsertSettings } from '../../src/store/insert-settings.js';

describe('packetInsertSettings', () => {
  it('runs the views in parallel on every server', () => {
    expect(packetInsertSettings(new Set())).toEqual({ parallel_view_processing: 1 });
  });
  it('turns optimize_on_insert off where the server knows it (20.x and later)', () => {
    expect(packetInsertSettings(new Set(OPTIONAL_INSERT_SETTINGS))).toEqual({ parallel_view_processing: 1, optimize_on_insert: 0 });
  });
  it('ignores names it does not manage', () => {
    expect(packetInsertSettings(new Set(['max_threads']))).toEqual({ parallel_view_processing: 1 });
  });
});
