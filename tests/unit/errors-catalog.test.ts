import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DarkscopeError, ErrorCodes, type ErrorName } from '../../src/errors.js';

describe('error catalog', () => {
  const specs = Object.entries(ErrorCodes);

  it('codes are unique, stable-looking, and each has an HTTP status and a hint saying what to do', () => {
    const codes = specs.map(([, s]) => s.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [name, s] of specs) {
      expect(s.code).toBe(`DARKSCOPE_E_${name}`);
      expect(s.status).toBeGreaterThanOrEqual(400);
      expect(s.status).toBeLessThan(600);
      expect(s.hint.length).toBeGreaterThan(15);
    }
  });

  it('every code is documented in the README troubleshooting table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('## Troubleshooting'));
    for (const [, s] of specs) expect(table, s.code).toContain(`\`${s.code}\``);
  });

  it('renders one line with code, message, file and offset, and hint', () => {
    const e = new DarkscopeError('BAD_CAPTURE' as ErrorName, 'not a capture', { file: 'x.pcap', offset: 24 });
    expect(e.toLine()).toBe(`DARKSCOPE_E_BAD_CAPTURE: not a capture (x.pcap at byte 24). ${ErrorCodes.BAD_CAPTURE.hint}`);
    expect(e.toLine()).not.toContain('\n');
  });
});
