// Processing an upload: what a protest photo keeps (its picture, upright) and
// loses (its camera data and position), and what is refused whatever its name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { Invalid } from '../../src/errors.ts';
import { MAX_UPLOAD_BYTES, processImage, sniffFormat, variantWidths } from '../../src/images/images.process.ts';
import { pngClaiming } from './fixtures.ts';

const GPS_DATUM = 'PLACARD-SECRET-SQUARE';
const ARTIST = 'Aigerim Protester';
const XMP_CREATOR = 'XMP-CREATOR-SECRET';
const XMP = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>${XMP_CREATOR}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>`;

/** A noisy picture, so that its encoding is big enough to cut short mid-scan. */
async function noisyRaw(width: number, height: number) {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  return sharp(data, { raw: { width, height, channels: 3 } });
}

async function photoWithGps(): Promise<Buffer> {
  return (await noisyRaw(2000, 1200))
    .withExif({
      IFD0: { Artist: ARTIST, Make: 'PhoneMaker', Model: 'Serial 0123456789' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '43/1 14/1 51/1', GPSLongitudeRef: 'E', GPSLongitude: '76/1 56/1 43/1', GPSMapDatum: GPS_DATUM },
    })
    .withXmp(XMP)
    .withIccProfile('p3')
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function refusal(input: Buffer): Promise<string> {
  try {
    await processImage(input);
  } catch (error) {
    assert.ok(error instanceof Invalid, `an Invalid (422), not ${String(error)}`);
    return error.fields.file!;
  }
  assert.fail('the file was accepted');
}

describe('processing an uploaded image', () => {
  it('strips EXIF, GPS, XMP and the ICC profile from every size it writes', async () => {
    const photo = await photoWithGps();
    // The test photo does carry what must go.
    const before = await sharp(photo).metadata();
    assert.ok(before.exif && before.xmp && before.icc);
    assert.ok(photo.includes(GPS_DATUM) && photo.includes(ARTIST) && photo.includes(XMP_CREATOR));

    const result = await processImage(photo);
    assert.deepEqual(result.variants.map((v) => v.width), [480, 960, 1600]);
    for (const variant of result.variants) {
      const meta = await sharp(variant.bytes).metadata();
      assert.equal(meta.format, 'webp');
      assert.equal(meta.exif, undefined, `no EXIF at ${variant.width}`);
      assert.equal(meta.xmp, undefined, `no XMP at ${variant.width}`);
      assert.equal(meta.icc, undefined, `no ICC profile at ${variant.width}`);
      assert.equal(meta.iptc, undefined);
      for (const secret of [GPS_DATUM, ARTIST, XMP_CREATOR, 'PhoneMaker', '0123456789', 'Exif', 'GPS']) {
        assert.ok(!variant.bytes.includes(secret), `"${secret}" is gone from the ${variant.width} px file`);
      }
      // The RIFF container holds only the picture: no EXIF, XMP or ICCP chunk.
      for (const chunk of ['EXIF', 'XMP ', 'ICCP']) assert.ok(!variant.bytes.includes(chunk), `no ${chunk} chunk`);
    }
  });

  it('turns the picture upright from its EXIF orientation, then forgets the orientation', async () => {
    // 200 × 100: red on the left, blue on the right; orientation 6 says "turn a quarter clockwise".
    const left = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#ff0000' } }).png().toBuffer();
    const sideways = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#0000ff' } })
      .composite([{ input: left, left: 0, top: 0 }])
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const result = await processImage(sideways);
    assert.deepEqual([result.width, result.height], [100, 200]);
    const [variant] = result.variants;
    assert.deepEqual([variant!.width, variant!.height], [100, 200]);
    assert.equal((await sharp(variant!.bytes).metadata()).orientation, undefined);
    // Turned clockwise, the red left half is now on top.
    const { data, info } = await sharp(variant!.bytes).raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    assert.ok(pixel(50, 20)[0]! > 200 && pixel(50, 20)[2]! < 50, `top is red: ${pixel(50, 20)}`);
    assert.ok(pixel(50, 180)[2]! > 200 && pixel(50, 180)[0]! < 50, `bottom is blue: ${pixel(50, 180)}`);
  });

  it('never upscales: a small picture is kept at its own width, once', async () => {
    const small = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#336699' } }).png().toBuffer();
    const result = await processImage(small);
    assert.deepEqual(result.variants.map((v) => [v.width, v.height]), [[300, 200]]);
    assert.deepEqual(variantWidths(1000), [480, 960, 1000]);
  });

  it('accepts PNG, WebP, GIF (its first frame) and AVIF by their content', async () => {
    const base = () => sharp({ create: { width: 64, height: 48, channels: 4, background: '#88aa0080' } });
    const gif = await sharp({ create: { width: 64, height: 96, channels: 4, background: '#ff0000' } })
      .gif()
      .toBuffer()
      .then((frames) => sharp(frames, { pages: -1 }).gif().toBuffer());
    for (const [format, bytes] of [
      ['png', await base().png().toBuffer()],
      ['webp', await base().webp().toBuffer()],
      ['gif', gif],
      ['heif', await base().avif().toBuffer()],
    ] as const) {
      const result = await processImage(bytes);
      assert.equal(result.sourceFormat, format);
      assert.equal(result.variants[0]!.format, 'webp');
    }
  });

  it('refuses SVG, HTML and PDF files whatever their name says', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
    const html = Buffer.from('<!doctype html><img src=x onerror=alert(1)>');
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF');
    const tiff = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).tiff().toBuffer();
    // An iPhone's HEIC (HEVC, which this sharp cannot decode) is named as a format, not called damaged.
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic'), Buffer.alloc(64)]);
    for (const bytes of [svg, html, pdf, tiff, heic]) assert.equal(await refusal(bytes), 'admin.images.errorFormat');
    assert.equal(sniffFormat(svg), undefined);
  });

  it('refuses a PNG signature in front of something that is not a PNG', async () => {
    const fake = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')]);
    assert.equal(await refusal(fake), 'admin.images.errorUnreadable');
  });

  it('refuses a picture of too many pixels from its header, before decoding it', async () => {
    const problem = await refusal(await pngClaiming(30_000, 30_000));
    assert.equal(problem, 'admin.images.errorDimensions');
    // A valid, honest image that is merely too tall.
    const strip = await sharp({ create: { width: 1, height: 20_001, channels: 3, background: '#000' } }).png().toBuffer();
    assert.equal(await refusal(strip), 'admin.images.errorDimensions');
  });

  it('refuses a truncated file with a field error, not a crash', async () => {
    const photo = await (await noisyRaw(800, 600)).jpeg().toBuffer();
    assert.equal(await refusal(photo.subarray(0, Math.floor(photo.length * 0.6))), 'admin.images.errorUnreadable');
    const png = await (await noisyRaw(400, 300)).png().toBuffer();
    assert.equal(await refusal(png.subarray(0, Math.floor(png.length * 0.6))), 'admin.images.errorUnreadable');
  });

  it('refuses an empty file and one over the byte cap', async () => {
    assert.equal(await refusal(Buffer.alloc(0)), 'admin.images.errorEmpty');
    assert.equal(await refusal(Buffer.alloc(MAX_UPLOAD_BYTES + 1, 0xff)), 'admin.images.errorTooBig');
  });
});
