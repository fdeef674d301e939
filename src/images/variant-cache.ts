// A small in-process LRU of hot image variants, by file name, bounded by bytes:
// a shared post's featured image is asked for thousands of times, and each
// would otherwise read a few hundred kilobytes out of PostgreSQL. Names carry
// the content's hash, so an entry can never be stale; only a deleted image
// could outlive its row, and a deletion drops its entries (on this instance;
// others drop them as they fall out of use).
export class VariantCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    /** Files bigger than this are not kept: they would push out many small ones. */
    private readonly maxEntryBytes: number,
  ) {}

  get(file: string): Buffer | undefined {
    const hit = this.entries.get(file);
    if (hit) {
      // Map keeps insertion order: moving the hit to the end makes the first entry the least recently used.
      this.entries.delete(file);
      this.entries.set(file, hit);
    }
    return hit;
  }

  set(file: string, bytes: Buffer): void {
    if (bytes.length > this.maxEntryBytes || this.entries.has(file)) return;
    this.entries.set(file, bytes);
    this.bytes += bytes.length;
    for (const [oldest, value] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= value.length;
    }
  }

  forgetImage(imageId: string): void {
    for (const [file, value] of this.entries) {
      if (file.startsWith(`${imageId}-`)) {
        this.entries.delete(file);
        this.bytes -= value.length;
      }
    }
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }
}

/** The process's cache: 32 MB, files up to 1 MB (a 1600 px WebP is a few hundred KB). */
export const hotVariants = new VariantCache(32 * 1024 * 1024, 1024 * 1024);
