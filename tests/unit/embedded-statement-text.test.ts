import { describe, expect, it } from 'vitest';
import { analyzeStatement, insertFromFile } from '../../src/store/embedded/statement-text.js';

describe('analyzeStatement', () => {
  it('counts statements outside strings, identifiers and comments; a trailing ; starts none', () => {
    expect(analyzeStatement('SELECT 1').statements).toBe(1);
    expect(analyzeStatement('SELECT 1;').statements).toBe(1);
    expect(analyzeStatement('SELECT 1;  -- done\n').statements).toBe(1);
    expect(analyzeStatement('SELECT 1; DROP TABLE t').statements).toBe(2);
    expect(analyzeStatement("SELECT ';DROP TABLE t' AS x").statements).toBe(1);
    expect(analyzeStatement("SELECT 'it''s; \\' ; ' AS x").statements).toBe(1);
    expect(analyzeStatement('SELECT `a;b` FROM "c;d"').statements).toBe(1);
    expect(analyzeStatement('SELECT 1 /* ; DROP */').statements).toBe(1);
    expect(analyzeStatement('/* only a comment */').statements).toBe(0);
    expect(analyzeStatement('').statements).toBe(0);
  });

  it('finds the first keyword and a top-level FORMAT only', () => {
    const a = analyzeStatement('  select x FROM t FORMAT JSONEachRow');
    expect(a.kind).toBe('SELECT');
    expect(a.format).toBe('JSONEachRow');
    expect(analyzeStatement("SELECT format('{}', 'x') AS f").format).toBeNull();
    expect(analyzeStatement('SELECT x AS format, y FROM t').format).toBeNull();
    expect(analyzeStatement('SELECT * FROM (SELECT 1 FORMAT TSV) FORMAT CSV').format).toBe('CSV');
    expect(analyzeStatement('CREATE TABLE t (a UInt8) ENGINE = Memory').kind).toBe('CREATE');
  });

  it('an INSERT with FORMAT takes data; where it starts and where FROM INFILE goes', () => {
    const q = 'INSERT INTO db.t (a, b) SETTINGS x = 1 FORMAT TabSeparated\n1\t2\n';
    const info = analyzeStatement(q);
    expect(info).toMatchObject({ kind: 'INSERT', takesData: true, format: 'TabSeparated' });
    expect(q.slice(info.dataStart)).toBe('1\t2\n');
    expect(insertFromFile(q, info, "'/tmp/f'")).toBe("INSERT INTO db.t (a, b) FROM INFILE '/tmp/f' SETTINGS x = 1 FORMAT TabSeparated");
    // Data is never scanned as SQL: a ; or quote in it does not make a second statement.
    expect(analyzeStatement("INSERT INTO t FORMAT CSV\n'a;\n\nDROP TABLE t").statements).toBe(1);
  });

  it('INSERT ... VALUES becomes FROM INFILE ... FORMAT Values; INSERT ... SELECT takes no data', () => {
    const q = "INSERT INTO t VALUES (1, 'a')";
    const info = analyzeStatement(q);
    expect(info.takesData).toBe(true);
    expect(q.slice(info.dataStart)).toBe("(1, 'a')");
    expect(insertFromFile(q, info, "'/f'")).toBe("INSERT INTO t FROM INFILE '/f' FORMAT Values");
    const s = analyzeStatement('INSERT INTO t SELECT * FROM u FORMAT TSV');
    expect(s.takesData).toBe(false);
  });
});
