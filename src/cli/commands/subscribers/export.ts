import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Subscriber } from '../../../signup/subscriber.js';
import { stringValue } from '../../args.js';
import { print, type Command, type Context } from '../../context.js';
import { usageError } from '../../errors.js';
import { escapeControl } from '../../format.js';
import { createOutputFile } from '../../output-file.js';
import { CSV_HEADER, csvRecord } from './csv.js';
import { listOf } from './shared.js';

const FORMATS = ['csv', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** Output is gathered into chunks of about this many characters: few writes, bounded memory. */
const CHUNK = 64 * 1024;

/** The export as text chunks: CSV with its header, or one JSON array with a subscriber per line. */
async function* render(list: AsyncIterable<Subscriber>, format: Format, counted: { count: number }): AsyncGenerator<string> {
  let buffer = format === 'csv' ? CSV_HEADER : '[';
  for await (const subscriber of list) {
    const { email, subscribedAt, consent, lang } = subscriber;
    // Fixed key order, and nothing but the four fields, whatever the store returns.
    const record = { email, subscribedAt, consent, ...(lang !== undefined && { lang }) };
    buffer += format === 'csv' ? csvRecord(subscriber) : `${counted.count === 0 ? '\n' : ',\n'}${JSON.stringify(record)}`;
    counted.count++;
    if (buffer.length >= CHUNK) {
      yield buffer;
      buffer = '';
    }
  }
  if (format === 'json') buffer += counted.count === 0 ? ']\n' : '\n]\n';
  yield buffer;
}

async function runExport(ctx: Context): Promise<void> {
  const formatText = stringValue(ctx.values, 'format') ?? 'csv';
  const format = FORMATS.find((name) => name === formatText.toLowerCase());
  if (format === undefined)
    throw usageError(`--format ${JSON.stringify(formatText)} is not csv or json; write --format csv or --format json`);
  const output = stringValue(ctx.values, 'output');
  const list = listOf(ctx);
  if (output !== undefined && list.path !== undefined && sameFile(output, list.path)) {
    throw usageError(`--output ${JSON.stringify(output)} is the subscriber file itself; write the export to another file`);
  }
  const counted = { count: 0 };
  if (output === undefined) {
    // stdout carries the export itself, nothing else (warnings and errors go to stderr).
    for await (const chunk of render(list.list(), format, counted)) ctx.io.stdout(chunk);
    return;
  }
  const file = await createOutputFile(output, ctx.values.force === true);
  try {
    for await (const chunk of render(list.list(), format, counted)) await file.write(chunk);
    await file.finish();
  } catch (error) {
    await file.abort();
    throw error;
  }
  print(
    ctx,
    { target: list.label, output: file.path, format, count: counted.count },
    `Exported ${counted.count} ${counted.count === 1 ? 'subscriber' : 'subscribers'} as ${format} to ${escapeControl(file.path)} (readable by you only).`,
  );
}

/** The same file: the same path, or (both existing) the same inode, through a link or `..`. */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

export const exportList: Command = {
  summary: 'Write the launch list as CSV or JSON, to stdout or a file',
  usage: 'intermission subscribers export [--format csv|json] [--output FILE [--force]]',
  notes: [
    'CSV: RFC 4180, CRLF line ends, UTF-8, header email,subscribedAt,consent,lang. A cell that starts with',
    "= + - @, a tab or a carriage return gets a leading ' so that a spreadsheet shows it instead of running",
    "it as a formula; strip that ' when importing the file into a mailing tool.",
    'JSON: one array, one subscriber object per line ({"email","subscribedAt","consent","lang"?}).',
    'Oldest subscriber first. Without --output the export goes to stdout, alone; --json then changes nothing.',
    'With --output the file is created readable by you only (0600), written whole or not at all, and an',
    'existing file is refused unless --force.',
  ].join('\n'),
  options: {
    format: { type: 'string', arg: 'csv|json', help: 'Format of the export (default csv)' },
    output: { type: 'string', arg: 'FILE', help: 'Write to this file (created 0600) instead of stdout' },
    force: { type: 'boolean', help: 'Replace FILE when it exists' },
  },
  store: 'subscribers',
  run: runExport,
};
