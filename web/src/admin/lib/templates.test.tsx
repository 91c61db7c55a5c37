import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LABEL_TEMPLATES, TEMPLATE_GROUPS, isEditedConfig, templatePreview } from './templates';
import { TemplateGallery } from '../TemplateGallery';

afterEach(cleanup);

describe('templates', () => {
  it('cover every data type, with the tags each group is about', () => {
    for (const g of TEMPLATE_GROUPS) expect(LABEL_TEMPLATES.some((t) => t.group === g)).toBe(true);
    const byId = Object.fromEntries(LABEL_TEMPLATES.map((t) => [t.id, t.config]));
    expect(byId.keypoints).toContain('<KeyPointLabels');
    expect(byId.polygons).toContain('<PolygonLabels');
    expect(byId['audio-segments']).toContain('<AudioPlus');
    expect(byId['video-classify']).toContain('<Video');
  });

  it('previews labels with their colours, and controls without labels', () => {
    const ner = LABEL_TEMPLATES.find((t) => t.id === 'ner')!;
    expect(templatePreview(ner.config)).toEqual({
      labels: [
        { value: 'PER', background: '#d32f2f' },
        { value: 'ORG', background: '#1f5fbf' },
        { value: 'LOC', background: '#2e7d32' },
      ],
      controls: [],
    });
    const rating = LABEL_TEMPLATES.find((t) => t.id === 'sentiment-rating')!;
    expect(templatePreview(rating.config).controls).toEqual(['Rating']);
    expect(templatePreview(rating.config).labels.map((l) => l.value)).toEqual(['Positive', 'Negative', 'Mixed']);
  });

  it('calls a config edited when it is neither empty nor a template as is', () => {
    expect(isEditedConfig('')).toBe(false);
    expect(isEditedConfig(`  ${LABEL_TEMPLATES[0].config}\n`)).toBe(false);
    expect(isEditedConfig('<View/>')).toBe(true);
  });
});

describe('TemplateGallery', () => {
  it('replaces an empty or unedited config at once, an edited one only once confirmed', () => {
    const onPick = vi.fn();
    const { rerender } = render(<TemplateGallery idPrefix="t" current="" onPick={onPick} />);
    expect(screen.getAllByRole('heading').map((h) => h.textContent)).toEqual(['Text', 'Image', 'Audio', 'Video']);
    fireEvent.click(screen.getByRole('button', { name: /^Keypoints on images/ }));
    const kp = LABEL_TEMPLATES.find((t) => t.id === 'keypoints')!;
    expect(onPick).toHaveBeenLastCalledWith(kp.config, kp);

    rerender(<TemplateGallery idPrefix="t" current={kp.config} onPick={onPick} />);
    expect(screen.getByRole('button', { name: /^Keypoints on images/ }).getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: /^Polygons on images/ }));
    expect(onPick).toHaveBeenCalledTimes(2);

    onPick.mockClear();
    rerender(<TemplateGallery idPrefix="t" current="<View><!-- mine --></View>" onPick={onPick} />);
    fireEvent.click(screen.getByRole('button', { name: /^Video classification/ }));
    expect(onPick).not.toHaveBeenCalled();
    expect(screen.getByRole('alertdialog').textContent).toContain('“Video classification”');
    fireEvent.click(screen.getByRole('button', { name: 'Keep my config' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(onPick).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: /^Video classification/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Replace config' }));
    expect(onPick).toHaveBeenCalledWith(LABEL_TEMPLATES.find((t) => t.id === 'video-classify')!.config, expect.anything());
  });
});
