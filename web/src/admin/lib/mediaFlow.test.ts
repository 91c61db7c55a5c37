import { describe, expect, it } from 'vitest';
import { codecsOf, formatBytes, formatDimensions, formatDuration, isArchive, kindSummary, mergeFiles } from './mediaFlow';

describe('media upload helpers', () => {
  it('formats sizes and lengths', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MB');
    expect(formatDuration(0)).toBe('');
    expect(formatDuration(2000)).toBe('0:02');
    expect(formatDuration(95_500)).toBe('1:35.5');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDimensions({ width: 640, height: 480 })).toBe('640 × 480');
    expect(formatDimensions({ width: 0, height: 0 })).toBe('');
  });

  it('names codecs once each and counts kinds', () => {
    expect(codecsOf({ probe: { streams: [{ type: 'video', codec: 'h264' }, { type: 'audio', codec: 'aac' }, { type: 'audio', codec: 'aac' }] } })).toBe('h264, aac');
    expect(codecsOf({ probe: {} })).toBe('');
    expect(kindSummary([{ kind: 'image' }, { kind: 'image' }, { kind: 'audio' }])).toBe('2 images, 1 audio file');
  });

  it('knows archives by name and merges chosen files without duplicates', () => {
    expect(['a.zip', 'b.TAR', 'c.tar.gz', 'd.tgz'].every(isArchive)).toBe(true);
    expect(isArchive('photo.png')).toBe(false);
    const a = new File(['x'], 'a.png', { lastModified: 1 });
    const b = new File(['yy'], 'b.png', { lastModified: 1 });
    const a2 = new File(['x'], 'a.png', { lastModified: 1 });
    expect(mergeFiles([a], [b, a2]).map((f) => f.name)).toEqual(['a.png', 'b.png']);
  });
});
