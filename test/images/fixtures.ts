// Images for the image tests, made with sharp.
import zlib from 'node:zlib';
import sharp from 'sharp';

/** A 1 × 1 PNG whose header (with a valid checksum) claims another size: a decompression bomb's first bytes. */
export async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer());
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  // The IHDR chunk's CRC covers its type and data (bytes 12 to 29).
  png.writeUInt32BE(zlib.crc32(png.subarray(12, 29)), 29);
  return png;
}
