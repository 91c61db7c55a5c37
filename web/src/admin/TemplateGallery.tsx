/*
 * The label-config templates as cards grouped by data type, each with its
 * name, what it is for and a preview of its labels. Picking one replaces
 * the config; when the config holds edits of its own (not empty, not a
 * template as is) the replacement waits for a confirmation.
 */
import { useEffect, useRef, useState } from 'react';
import { LABEL_TEMPLATES, TEMPLATE_GROUPS, isEditedConfig, templatePreview, type LabelTemplate } from './lib/templates';

function TemplateCard({ t, selected, onClick }: { t: LabelTemplate; selected: boolean; onClick: () => void }) {
  const { labels, controls } = templatePreview(t.config);
  return (
    <button type="button" className="template-card" aria-pressed={selected} data-template={t.id} onClick={onClick}>
      <span className="template-name">{t.name}</span>
      <span className="hint">{t.description}</span>
      <span className="template-labels">
        {labels.map((l) => (
          <span key={l.value} className="chip" style={l.background ? { borderColor: l.background } : undefined}>
            {l.value}
          </span>
        ))}
        {controls.map((c) => (
          <span key={c} className="chip control">
            {c}
          </span>
        ))}
      </span>
    </button>
  );
}

export function TemplateGallery({ current, onPick, idPrefix }: { current: string; onPick: (config: string, t: LabelTemplate) => void; idPrefix: string }) {
  const [pending, setPending] = useState<LabelTemplate | null>(null);
  const replace = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (pending) replace.current?.focus();
  }, [pending]);

  function choose(t: LabelTemplate) {
    if (isEditedConfig(current) && current.trim() !== t.config.trim()) {
      setPending(t);
      return;
    }
    setPending(null);
    onPick(t.config, t);
  }

  return (
    <div className="template-gallery">
      {pending && (
        <div className="confirm card" role="alertdialog" aria-labelledby={`${idPrefix}-confirm`}>
          <p id={`${idPrefix}-confirm`}>Replace your edited label config with “{pending.name}”? Your edits will be lost.</p>
          <div className="form-actions">
            <button
              type="button"
              ref={replace}
              onClick={() => {
                onPick(pending.config, pending);
                setPending(null);
              }}
            >
              Replace config
            </button>
            <button type="button" className="secondary" onClick={() => setPending(null)}>
              Keep my config
            </button>
          </div>
        </div>
      )}
      {TEMPLATE_GROUPS.map((g) => (
        <section key={g} aria-labelledby={`${idPrefix}-${g}`}>
          <h4 id={`${idPrefix}-${g}`}>{g}</h4>
          <ul className="template-cards">
            {LABEL_TEMPLATES.filter((t) => t.group === g).map((t) => (
              <li key={t.id}>
                <TemplateCard t={t} selected={current.trim() === t.config.trim()} onClick={() => choose(t)} />
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
