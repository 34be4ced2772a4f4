import { describe, expect, it } from 'vitest';
import {
  parseIPv4, sql, sqlBytes, sqlDateTime, sqlFloat, sqlIdent, sqlInt, sqlIPv4, sqlJoin, sqlList, sqlQualified,
  sqlString, sqlUInt, unsafeRawSql, type SqlFragment,
} from '../../src/store/sql.js';

const BAD = 'DARKSCOPE_E_BAD_SQL_VALUE';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('sqlString', () => {
  it('quotes plain text as is', () => {
    expect(sqlString('abc').text).toBe("'abc'");
    expect(sqlString('').text).toBe("''");
  });
  it('escapes quote and backslash', () => {
    expect(sqlString("it's").text).toBe("'it\\'s'");
    expect(sqlString('a\\b').text).toBe("'a\\\\b'");
    expect(sqlString("\\'").text).toBe("'\\\\\\''");
  });
  it('writes control characters and DEL as \\xHH', () => {
    expect(sqlString('a\u0000b').text).toBe("'a\\x00b'");
    expect(sqlString('\n\r\t\u001f\u007f').text).toBe("'\\x0a\\x0d\\x09\\x1f\\x7f'");
  });
  it('keeps non-ASCII text, including astral characters, as is', () => {
    expect(sqlString('été ✓ 😀').text).toBe("'été ✓ 😀'");
  });
  it('cannot be broken out of', () => {
    const text = sqlString("x') UNION SELECT password FROM system.users --").text;
    expect(text).toBe("'x\\') UNION SELECT password FROM system.users --'");
    // The only unescaped quotes are the delimiters.
    expect(text.slice(1, -1).replace(/\\./g, '')).not.toContain("'");
  });
  it('rejects lone surrogates', () => {
    expect(code(() => sqlString('a\uD800b'))).toBe(BAD);
    expect(code(() => sqlString('\uDC00'))).toBe(BAD);
    expect(code(() => sqlString('x\uD83D'))).toBe(BAD);
  });
  it('rejects non-strings reaching it through any', () => {
    expect(code(() => sqlString(5 as unknown as string))).toBe(BAD);
  });
});

describe('sqlBytes', () => {
  it('writes every byte as \\xHH', () => {
    expect(sqlBytes(new Uint8Array([0x20, 0x01, 0x00, 0xff])).text).toBe("'\\x20\\x01\\x00\\xff'");
    expect(sqlBytes(new Uint8Array()).text).toBe("''");
  });
});

describe('integers', () => {
  it('accepts the full range of each width', () => {
    expect(sqlUInt(0, 8).text).toBe('0');
    expect(sqlUInt(255, 8).text).toBe('255');
    expect(sqlUInt(65535, 16).text).toBe('65535');
    expect(sqlUInt(4294967295, 32).text).toBe('4294967295');
    expect(sqlUInt(18446744073709551615n, 64).text).toBe('18446744073709551615');
    expect(sqlInt(-128, 8).text).toBe('(-128)');
    expect(sqlInt(127, 8).text).toBe('127');
    expect(sqlInt(-9223372036854775808n, 64).text).toBe('(-9223372036854775808)');
  });
  it('rejects out-of-range values', () => {
    expect(code(() => sqlUInt(256, 8))).toBe(BAD);
    expect(code(() => sqlUInt(-1, 32))).toBe(BAD);
    expect(code(() => sqlUInt(18446744073709551616n, 64))).toBe(BAD);
    expect(code(() => sqlInt(128, 8))).toBe(BAD);
    expect(code(() => sqlInt(-9223372036854775809n, 64))).toBe(BAD);
  });
  it('rejects non-integers, NaN, Infinity and unsafe numbers', () => {
    expect(code(() => sqlUInt(1.5, 32))).toBe(BAD);
    expect(code(() => sqlUInt(Number.NaN, 32))).toBe(BAD);
    expect(code(() => sqlUInt(Number.POSITIVE_INFINITY, 64))).toBe(BAD);
    expect(code(() => sqlUInt(2 ** 53, 64))).toBe(BAD);
    expect(code(() => sqlUInt('5' as unknown as number, 32))).toBe(BAD);
  });
  it('rejects unknown widths', () => {
    expect(code(() => sqlUInt(1, 12 as 8))).toBe(BAD);
  });
});

describe('sqlFloat', () => {
  it('writes the shortest round-trip text', () => {
    expect(sqlFloat(0.1).text).toBe('0.1');
    expect(sqlFloat(1e21).text).toBe('1e+21');
    expect(sqlFloat(-1.5).text).toBe('(-1.5)');
    expect(sqlFloat(-0).text).toBe('0');
  });
  it('rejects NaN, Infinity and subnormals', () => {
    expect(code(() => sqlFloat(Number.NaN))).toBe(BAD);
    expect(code(() => sqlFloat(Number.NEGATIVE_INFINITY))).toBe(BAD);
    expect(code(() => sqlFloat(5e-324))).toBe(BAD);
    expect(sqlFloat(2.2250738585072014e-308).text).toBe('2.2250738585072014e-308');
  });
});

describe('sqlDateTime', () => {
  it('writes epoch seconds in UTC', () => {
    expect(sqlDateTime(1704067200).text).toBe("toDateTime(1704067200, 'UTC')");
    expect(sqlDateTime(new Date('2024-01-01T00:00:00Z')).text).toBe("toDateTime(1704067200, 'UTC')");
  });
  it('rejects sub-second Dates, invalid Dates and out-of-range values', () => {
    expect(code(() => sqlDateTime(new Date('2024-01-01T00:00:00.500Z')))).toBe(BAD);
    expect(code(() => sqlDateTime(new Date('nope')))).toBe(BAD);
    expect(code(() => sqlDateTime(-1))).toBe(BAD);
    expect(code(() => sqlDateTime(2 ** 32))).toBe(BAD);
    expect(code(() => sqlDateTime(1.5))).toBe(BAD);
  });
});

describe('IPv4', () => {
  it('parses dotted quads to UInt32', () => {
    expect(parseIPv4('0.0.0.0')).toBe(0);
    expect(parseIPv4('192.0.2.1')).toBe(3221225985);
    expect(parseIPv4('255.255.255.255')).toBe(4294967295);
    expect(sqlIPv4('10.1.2.3').text).toBe('167838211');
    expect(sqlIPv4(167838211).text).toBe('167838211');
  });
  it('rejects anything else', () => {
    for (const s of ['256.0.0.1', '1.2.3', '01.2.3.4', '1.2.3.4 ', '::1', '1.2.3.4/24', '']) {
      expect(code(() => sqlIPv4(s)), s).toBe(BAD);
    }
    expect(code(() => sqlIPv4(-1))).toBe(BAD);
    expect(code(() => sqlIPv4(2 ** 32))).toBe(BAD);
  });
});

describe('sqlIdent', () => {
  it('backquotes valid names', () => {
    expect(sqlIdent('packets').text).toBe('`packets`');
    expect(sqlIdent('_x9').text).toBe('`_x9`');
    expect(sqlQualified('db', 't').text).toBe('`db`.`t`');
  });
  it('rejects everything outside [A-Za-z_][A-Za-z0-9_]*', () => {
    for (const s of ['', '9a', 'a-b', 'a.b', 'a`b', 'a b', 'é', 'x'.repeat(129)]) {
      expect(code(() => sqlIdent(s)), s).toBe(BAD);
    }
  });
});

describe('sqlList / sqlJoin', () => {
  it('joins encoded values', () => {
    expect(sqlList([22, 23, 80], (p) => sqlUInt(p, 16)).text).toBe('22, 23, 80');
    expect(sqlJoin([sqlString('a'), sqlString('b')], unsafeRawSql(' OR ')).text).toBe("'a' OR 'b'");
  });
  it('rejects an empty list', () => {
    expect(code(() => sqlList([], sqlString))).toBe(BAD);
  });
});

describe('sql tag', () => {
  it('combines fragments', () => {
    const q = sql`SELECT count() FROM ${sqlQualified('db', 'packets')} WHERE sensor = ${sqlString("a'b")} AND dport IN (${sqlList([1, 2], (p) => sqlUInt(p, 16))})`;
    expect(q.text).toBe("SELECT count() FROM `db`.`packets` WHERE sensor = 'a\\'b' AND dport IN (1, 2)");
    expect(sql`x ${q} y`.text).toBe(`x ${q.text} y`);
  });
  it('rejects raw values at run time', () => {
    const raw = "1; DROP TABLE x" as unknown as SqlFragment;
    expect(code(() => sql`SELECT ${raw}`)).toBe(BAD);
    expect(code(() => sql`SELECT ${5 as unknown as SqlFragment}`)).toBe(BAD);
    expect(code(() => sql`SELECT ${{ text: 'x' } as unknown as SqlFragment}`)).toBe(BAD);
  });
  it('rejects being called with a plain array', () => {
    const fake = Object.assign(['SELECT 1'], { raw: ['SELECT 1'] }) as unknown as TemplateStringsArray;
    expect(code(() => sql(fake))).toBe(BAD);
  });
  it('does not accept plain strings at compile time', () => {
    // @ts-expect-error a string is not a SqlFragment
    expect(code(() => sql`SELECT ${'x'}`)).toBe(BAD);
  });
});
