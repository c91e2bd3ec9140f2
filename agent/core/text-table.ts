/** Plain-text tables for the CLI: fixed columns sized to their content, readable in any SSH terminal. */

export interface TableOptions {
  /** Column indexes aligned to the right (numbers). */
  right?: readonly number[];
}

/**
 * Header and rows as lines; the last column is not padded (no trailing blanks to wrap a narrow
 * terminal). Cells are made printable: network-supplied text must not move the cursor or change colours.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const all = [header, ...rows].map((row) => row.map(printable));
  const widths = header.map((_, col) => Math.max(...all.map((r) => (r[col] ?? '').length)));
  const right = new Set(options.right ?? []);
  const lines = all.map((row) =>
    row
      .map((cell, col) => {
        if (right.has(col)) return cell.padStart(widths[col]!);
        return col === row.length - 1 ? cell : cell.padEnd(widths[col]!);
      })
      .join('  '),
  );
  return `${lines.join('\n')}\n`;
}

/** Control characters replaced by "?": text from cameras, brokers or files reaches the terminal as is otherwise. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
