// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { prefetchLabelStudio } from './labelStudio';

describe('prefetching the canvas bundle', () => {
  beforeEach(() => {
    document.head.innerHTML = '';
  });

  it('adds prefetch links for the script and stylesheet once, and runs nothing', () => {
    prefetchLabelStudio();
    prefetchLabelStudio();
    const links = [...document.head.querySelectorAll('link[rel="prefetch"]')] as HTMLLinkElement[];
    expect(links.map((l) => l.getAttribute('as')).sort()).toEqual(['script', 'style']);
    expect(links.every((l) => /label-studio-[\d.]+\/main\.(js|css)$/.test(l.getAttribute('href') ?? ''))).toBe(true);
    expect(document.head.querySelectorAll('script').length).toBe(0);
    expect(document.head.querySelectorAll('link[rel="stylesheet"]').length).toBe(0);
  });
});
