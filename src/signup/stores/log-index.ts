/**
 * The file store's in-memory view of its log: the subscribers, resolved from the events read so far, and
 * where reading stopped. `refresh()` reads only the bytes appended since, so `add` and `count` cost one
 * fstat and a small read however long the list is.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { SubscriberStoreError, type Subscriber } from '../subscriber.js';
import { errnoCode, unavailable } from './common.js';
import { parseEvent, type LogEvent } from './record.js';

/** No valid line comes near this (an address is at most 254 characters); longer ones are skipped unread. */
export const MAX_LINE_BYTES = 4096;
const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
/** Fatal: bytes that are not UTF-8 (a torn multi-byte character, disk garbage) make a corrupt line, not a mangled address. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Called once for each line that is not a valid event; `offset` is where the line starts. */
export type CorruptLineHandler = (offset: number, reason: string) => void;

export class LogIndex {
  /** Every address on the list, in subscription order (Map keeps insertion order). */
  readonly subscribers = new Map<string, Subscriber>();
  /** Non-empty lines read since the file was (re)opened, valid or not: compaction counts what it drops. */
  lines = 0;
  private file: { ino: number; dev: number } | undefined;
  /** Bytes consumed: the end of the last complete line (or of skipped garbage). */
  private offset = 0;
  /** The file does not end with a newline: a writer died mid-line, or one is writing now. */
  private tail = false;
  /** Inside a line longer than MAX_LINE_BYTES: discard until the next newline. */
  private skipping = false;
  private readonly reported = new Set<string>();

  constructor(
    private readonly path: string,
    private readonly onCorrupt: CorruptLineHandler,
  ) {}

  /** True when the last line read has no newline yet; the next append must start with one. */
  get openTail(): boolean {
    return this.tail;
  }

  /** Reads what was appended since the last refresh; starts over when the file was replaced or shrank. */
  async refresh(): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await open(this.path, 'r');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') {
        this.reset(undefined);
        return;
      }
      throw unavailable(`Intermission: cannot read the subscriber file ${this.path}`, error);
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw unavailable(`Intermission: the subscriber file ${this.path} is not a regular file`);
      // Another process compacted it (new inode), or someone truncated it: what we hold is stale.
      if (this.file?.ino !== info.ino || this.file.dev !== info.dev || info.size < this.offset)
        this.reset({ ino: info.ino, dev: info.dev });
      await this.readFrom(handle, info.size);
    } catch (error) {
      throw error instanceof SubscriberStoreError
        ? error
        : unavailable(`Intermission: cannot read the subscriber file ${this.path}`, error);
    } finally {
      await handle.close().catch(() => {});
    }
  }

  /**
   * Records an event this process appended at `start` (the file's size before the write), when that was
   * exactly where reading had stopped: the index stays current without reading the line back.
   * Otherwise returns false and the caller refreshes.
   */
  appended(start: number, bytes: number, event: LogEvent): boolean {
    if (start !== this.offset || this.tail || this.skipping) return false;
    this.offset = start + bytes;
    this.lines += 1;
    this.apply(event);
    return true;
  }

  private reset(file: { ino: number; dev: number } | undefined): void {
    this.file = file;
    this.subscribers.clear();
    this.offset = 0;
    this.lines = 0;
    this.tail = false;
    this.skipping = false;
  }

  private async readFrom(handle: FileHandle, size: number): Promise<void> {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let position = this.offset;
    let lineStart = this.offset;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    while (position < size) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(CHUNK_BYTES, size - position), position);
      if (bytesRead === 0) break;
      const view = chunk.subarray(0, bytesRead);
      let start = 0;
      for (let newline = view.indexOf(NEWLINE, start); newline !== -1; newline = view.indexOf(NEWLINE, start)) {
        const piece = view.subarray(start, newline);
        if (this.skipping) {
          this.skipping = false;
        } else {
          this.line(pendingBytes === 0 ? piece : Buffer.concat([...pending, piece]), lineStart);
        }
        pending = [];
        pendingBytes = 0;
        start = newline + 1;
        lineStart = position + start;
        this.offset = lineStart;
      }
      const rest = view.subarray(start);
      if (this.skipping) {
        this.offset = position + bytesRead;
      } else if (rest.length > 0) {
        // Copied: `chunk` is reused by the next read.
        pending.push(Buffer.from(rest));
        pendingBytes += rest.length;
        if (pendingBytes > MAX_LINE_BYTES) {
          this.corrupt(lineStart, `longer than ${MAX_LINE_BYTES} bytes`);
          this.lines += 1;
          this.skipping = true;
          pending = [];
          pendingBytes = 0;
          this.offset = position + bytesRead;
        }
      }
      position += bytesRead;
    }
    // An unfinished last line stays unread (offset before it): complete, it is read next time.
    this.tail = pendingBytes > 0 || this.skipping;
  }

  private line(bytes: Buffer, offset: number): void {
    if (bytes.length === 0) return; // the newline that closes a torn line, or a blank line
    this.lines += 1;
    if (bytes.length > MAX_LINE_BYTES) {
      this.corrupt(offset, `longer than ${MAX_LINE_BYTES} bytes`);
      return;
    }
    const event = parseEvent(decode(bytes));
    if (event) this.apply(event);
    else this.corrupt(offset, 'not a valid add or remove event');
  }

  private apply(event: LogEvent): void {
    if (event.op === 'remove') {
      this.subscribers.delete(event.email);
    } else if (!this.subscribers.has(event.subscriber.email)) {
      // First add wins: a duplicate (two processes, a retried request) keeps the original date.
      this.subscribers.set(event.subscriber.email, event.subscriber);
    }
  }

  private corrupt(offset: number, reason: string): void {
    const key = `${this.file?.dev ?? 0}:${this.file?.ino ?? 0}:${offset}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.onCorrupt(offset, reason);
  }
}

function decode(bytes: Buffer): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    return ''; // not JSON: reported as corrupt
  }
}
