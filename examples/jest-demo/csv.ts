// A small CSV parser: the code under test of the demo suite.
export interface Row {
  [column: string]: string;
}

export function parseCsv(text: string): Row[] {
  const [header = '', ...lines] = text.split('\n').filter((line) => line !== '');
  const columns = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    const row: Row = {};
    columns.forEach((column, i) => (row[column] = cells[i] ?? ''));
    return row;
  });
}

const seen: string[] = [];

/** Remembers every id it was given: a leak the suite catches. */
export function rememberIds(rows: Row[]): number {
  for (const row of rows) seen.push(row.id ?? '');
  return seen.length;
}

export function makeCsv(rows: number): string {
  const lines = ['id,name,city'];
  for (let i = 0; i < rows; i++) lines.push(`${i},name${i},city${i % 50}`);
  return lines.join('\n');
}
