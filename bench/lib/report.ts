import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

export type Row = Record<string, string | number>;

/** Prints rows as a table and writes them, with the machine's shape, to bench/results/<name>.json. */
export function report(name: string, rows: Row[], notes: Record<string, unknown> = {}): string {
  console.table(rows);
  const dir = new URL('../results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${name}.json`, dir);
  const machine = {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    platform: process.platform,
  };
  writeFileSync(
    file,
    `${JSON.stringify({ name, at: new Date().toISOString(), machine, rows, ...notes }, null, 2)}\n`,
  );
  console.log(`wrote ${file.pathname}`);
  return file.pathname;
}

export const mbPerSec = (bytes: number, ms: number): number =>
  Math.round((bytes / 1_048_576 / (ms / 1000)) * 10) / 10;
