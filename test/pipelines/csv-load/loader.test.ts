import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CsvRejectedError } from '../../../src/pipelines/csv-load/errors.js';
import { type LoadCsvOptions, LoadFailure, loadCsv } from '../../../src/pipelines/csv-load/loader.js';
import { gunzipped } from '../../../src/pipelines/csv-load/source.js';
import type { KeySchema } from '../../../src/pipelines/csv-load/types.js';
import { bytesOf, invalidCollector, memoryTable } from './helpers.js';

const keys: KeySchema = { partitionKey: { name: 'ID', type: 'S' } };

function setup(text: string | Buffer, overrides: Partial<LoadCsvOptions> = {}) {
  const table = memoryTable();
  const invalid = invalidCollector();
  const options: LoadCsvOptions = {
    bytes: bytesOf(text),
    keys,
    typing: { inferTypes: false, columnTypes: {} },
    delimiter: ',',
    write: table.write,
    concurrency: 4,
    invalid: invalid.add,
    ...overrides,
  };
  return { table, invalid, options };
}

async function rejection(text: string | Buffer): Promise<string> {
  const { options, table } = setup(text);
  const err = await loadCsv(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LoadFailure);
  expect((err as LoadFailure).cause).toBeInstanceOf(CsvRejectedError);
  expect(table.items.size).toBe(0);
  return (err as LoadFailure).message;
}

describe('loadCsv — file shapes', () => {
  it('loads a file with a BOM, CRLF line ends, quoted commas, quotes and newlines', async () => {
    const text = '\ufeffID,name,note\r\n1,"Widget, large","said ""hi""\r\nover two lines"\r\n2,Gadget,\r\n';
    const { options, table, invalid } = setup(text);

    const result = await loadCsv(options);

    expect(result).toMatchObject({ done: true, counters: { rowsRead: 2, rowsWritten: 2, rowsInvalid: 0 } });
    expect(result.position.header).toEqual(['ID', 'name', 'note']);
    expect(table.items.get('1')).toEqual({
      ID: { S: '1' },
      name: { S: 'Widget, large' },
      note: { S: 'said "hi"\r\nover two lines' },
    });
    expect(table.items.get('2')).toEqual({ ID: { S: '2' }, name: { S: 'Gadget' }, note: { S: '' } });
    expect(invalid.rows).toEqual([]);
  });

  it.each([
    [';', 'ID;price\n1;2,5\n'],
    ['\t', 'ID\tprice\n1\t2,5\n'],
  ] as const)('reads %j-delimited files', async (delimiter, text) => {
    const { options, table } = setup(text, { delimiter });
    await loadCsv(options);
    expect(table.items.get('1')).toEqual({ ID: { S: '1' }, price: { S: '2,5' } });
  });

  it('reads gzip through gunzipped()', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `${i},v${i}`).join('\n');
    const { options, table } = setup('', { bytes: gunzipped(bytesOf(gzipSync(`ID,v\n${rows}\n`), 1000)) });
    const result = await loadCsv(options);
    expect(result.counters).toMatchObject({ rowsRead: 1000, rowsWritten: 1000 });
    expect(table.items.get('999')).toEqual({ ID: { S: '999' }, v: { S: 'v999' } });
  });

  it('treats a header-only file as an empty load, not an error', async () => {
    const { options } = setup('ID,name\r\n');
    await expect(loadCsv(options)).resolves.toMatchObject({
      done: true,
      counters: { rowsRead: 0, rowsWritten: 0 },
    });
  });
});

describe('loadCsv — bad files are rejected whole, before any write', () => {
  it.each([
    ['empty', '', /the file is empty/],
    ['blank lines only', '\n\n\r\n', /the file is empty|the first line is blank/],
    ['duplicate header names', 'ID,name,name\n1,a,b\n', /names columns more than once: name/],
    ['missing key column', 'SKU,name\n1,a\n', /key column ID is not in the header \(columns: SKU, name\)/],
    ['empty header name', 'ID,,x\n1,2,3\n', /empty column names \(column 2\)/],
  ])('%s', async (_name, text, message) => {
    expect(await rejection(text)).toMatch(message);
  });

  it('binary garbage', async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    expect(await rejection(garbage)).toMatch(/not text|cannot be parsed|is not in the header/);
  });

  it('a gzip file that is not gzip', async () => {
    const { options } = setup('', { bytes: gunzipped(bytesOf('ID\n1\n')) });
    const err = (await loadCsv(options).catch((e: unknown) => e)) as LoadFailure;
    expect(err.cause).toBeInstanceOf(CsvRejectedError);
    expect(err.message).toMatch(/not valid gzip/);
  });
});

describe('loadCsv — bad rows are reported and the rest loads', () => {
  it('reports wrong column counts and empty keys with line numbers and raw text', async () => {
    const text = ['ID,name', '1,a', '2', ',nokey', '3,c,extra', '4,"multi', 'line"', '5,x', ''].join('\n');
    const { options, table, invalid } = setup(text);

    const result = await loadCsv(options);

    expect(result.counters).toMatchObject({ rowsRead: 6, rowsWritten: 3, rowsInvalid: 3 });
    expect([...table.items.keys()].sort()).toEqual(['1', '4', '5']);
    expect(invalid.rows).toEqual([
      { line: 3, reason: 'expected 2 columns, got 1', raw: '2' },
      { line: 4, reason: 'key column ID is empty', raw: ',nokey' },
      { line: 5, reason: 'expected 2 columns, got 3', raw: '3,c,extra' },
    ]);
  });

  it('keeps stray quotes as text instead of swallowing the rows after them', async () => {
    const { options, table } = setup('ID,name\n5,"bad"x\n6,a"b\n7,f\n');
    const result = await loadCsv(options);
    expect(result.counters).toMatchObject({ rowsRead: 3, rowsWritten: 3 });
    expect(table.items.get('5')?.name).toEqual({ S: '"bad"x' });
    expect(table.items.get('6')?.name).toEqual({ S: 'a"b' });
  });

  it('reports an unterminated quote at the end of the file as one invalid row', async () => {
    const { options, table, invalid } = setup('ID,name\n1,a\n2,"never closed\n3,c\n');
    const result = await loadCsv(options);
    expect(result.counters).toMatchObject({ rowsRead: 2, rowsWritten: 1, rowsInvalid: 1 });
    expect(table.items.has('1')).toBe(true);
    expect(invalid.rows).toEqual([
      { line: 3, reason: expect.stringMatching(/unterminated quoted field/), raw: '2,"never closed\n3,c' },
    ]);
  });

  it('turns a row with a 10 MB field into an invalid row, cut in the report, and loads the next', async () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const { options, table, invalid } = setup(`ID,blob\n1,${huge}\n2,small\n`, {
      bytes: bytesOf(`ID,blob\n1,${huge}\n2,small\n`, 65_536),
    });
    const result = await loadCsv(options);
    expect(result.counters).toMatchObject({ rowsRead: 2, rowsWritten: 1, rowsInvalid: 1 });
    expect(table.items.get('2')).toEqual({ ID: { S: '2' }, blob: { S: 'small' } });
    expect(invalid.rows[0]).toMatchObject({
      line: 2,
      reason: expect.stringMatching(/DynamoDB items stop at 409600/),
      rawTruncated: true,
    });
    expect(invalid.rows[0]?.raw).toHaveLength(64 * 1024);
  });

  it('flags rows that are not valid UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from('ID,name\n1,'), Buffer.from([0xff, 0xfe]), Buffer.from(',x\n')]);
    const { options, invalid } = setup(bytes);
    await loadCsv(options);
    expect(invalid.rows[0]?.reason).toMatch(/not valid UTF-8/);
  });
});

describe('loadCsv — checkpoint and resume', () => {
  it('stops at a row boundary with every row written, and a resume from the position loads exactly the rest', async () => {
    const rows = Array.from(
      { length: 2000 },
      (_, i) => `${i},"v ${i}\nsecond line",${i % 7 === 0 ? '' : 'x'}`,
    );
    const text = `\ufeffID,v,w\r\n${rows.join('\r\n')}\r\n,bad\r\n`;
    const first = setup(text);
    let asked = 0;
    const stopped = await loadCsv({ ...first.options, shouldStop: () => ++asked >= 3 });

    expect(stopped.done).toBe(false);
    expect(stopped.counters.rowsRead).toBe(768);
    expect(first.table.items.size).toBe(768); // everything read was acknowledged
    expect(stopped.position.line).toBe(1 + 768 * 2);

    const rest = Buffer.from(text).subarray(stopped.position.offset);
    const second = setup(rest);
    second.table.items.clear();
    const finished = await loadCsv({
      ...second.options,
      resume: stopped.position,
      counters: stopped.counters,
    });

    expect(finished.done).toBe(true);
    expect(finished.counters).toMatchObject({ rowsRead: 2001, rowsWritten: 2000, rowsInvalid: 1 });
    expect(first.table.items.size + second.table.items.size).toBe(2000);
    expect(second.table.items.get('768')).toEqual({
      ID: { S: '768' },
      v: { S: 'v 768\nsecond line' },
      w: { S: 'x' },
    });
    expect(second.invalid.rows).toEqual([
      { line: 1 + 2000 * 2 + 1, reason: 'expected 3 columns, got 2', raw: ',bad' },
    ]);
  });

  it('resumes a gzip file by skipping the decompressed bytes already loaded', async () => {
    const text = `ID,v\n${Array.from({ length: 600 }, (_, i) => `${i},${i}`).join('\n')}\n`;
    const gz = gzipSync(text);
    const first = setup('', { bytes: gunzipped(bytesOf(gz, 100)) });
    const stopped = await loadCsv({ ...first.options, shouldStop: () => true });
    const second = setup('', { bytes: gunzipped(bytesOf(gz, 100), stopped.position.offset) });
    const finished = await loadCsv({
      ...second.options,
      resume: stopped.position,
      counters: stopped.counters,
    });
    expect(stopped.counters.rowsRead).toBe(256);
    expect(finished.counters).toMatchObject({ rowsRead: 600, rowsWritten: 600 });
    expect(second.table.items.size).toBe(344);
    expect(second.table.items.has('256')).toBe(true);
  });
});
