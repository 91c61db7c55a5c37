/*
 * The labeling canvas: the one place that touches window.LabelStudio, so
 * the rest of the app only knows "config + data + result in, result out"
 * and the canvas could be replaced without touching the pages.
 */
import { useEffect, useRef, useState, type MutableRefObject } from 'react';
import { loadLabelStudio, type LsAnnotation, type LsInstance, type LsPrediction, type LsStore } from './labelStudio';
import { useAuth } from '../auth/AuthContext';
import { errorMessage } from '../api/client';
import { getMediaInfo } from '../api/media';
import { SignedUrlCache, refreshDelay, signMediaData, swapMediaSources, type SignedUrl } from './mediaUrls';

/* Signed media links, per user and task, shared by every canvas of the session. */
const mediaLinks = new SignedUrlCache(getMediaInfo);

/* After a failed refresh of the links, the next try. */
const RETRY_REFRESH_MS = 30_000;

/* Lets a page read the canvas's current result for its own buttons. */
export interface CanvasController {
  /* The selected annotation's result, or null while the canvas is loading. */
  getResult(): unknown[] | null;
  focus(): void;
}

export interface LabelCanvasProps {
  config: string;
  data: Record<string, unknown>;
  result?: unknown[];
  /* Pre-annotations: with no result, the canvas opens on an editable copy of the first. */
  predictions?: LsPrediction[];
  readOnly?: boolean;
  onSubmit?: (result: unknown[]) => void;
  onUpdate?: (result: unknown[]) => void;
  /* Filled once the canvas is ready; cleared when it unmounts. */
  controller?: MutableRefObject<CanvasController | null>;
  onReady?: () => void;
  /* Accessible name of the canvas region. */
  label?: string;
  taskId?: number;
}

const EDIT_INTERFACES = ['panel', 'side-column'];
const CONTROL_INTERFACES = ['update', 'submit', 'controls'];

export function LabelCanvas(props: LabelCanvasProps): JSX.Element {
  const { config, data, result, predictions, readOnly = false, taskId = 1, label = 'Labeling canvas' } = props;
  const { user } = useAuth();
  const hostRef = useRef<HTMLDivElement>(null);
  const regionRef = useRef<HTMLDivElement>(null);
  const storeRef = useRef<LsStore | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);

  /* Callbacks and the read-only flag change without remounting the canvas. */
  const latest = useRef(props);
  latest.current = props;
  const readOnlyRef = useRef(readOnly);
  readOnlyRef.current = readOnly;

  const withControls = !!(props.onSubmit || props.onUpdate);
  const userId = user?.id ?? 0;
  const userName = user?.name ?? '';

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    let disposed = false;
    let instance: LsInstance | null = null;
    /* Label Studio renders with its own React into a node ours never touches. */
    const root = document.createElement('div');
    host.appendChild(root);
    setError(null);
    setReady(false);

    const serialize = (a: LsAnnotation | null | undefined) => (a ? a.serializeAnnotation() : []);

    /* Media paths in the data become signed links before Label Studio sees them. */
    const taskKey = `${userId}:${taskId}`;
    const signing = signMediaData(mediaLinks, taskKey, data).catch((e) => {
      throw new Error(`The task's media could not be loaded: ${errorMessage(e)}`);
    });
    let refreshTimer: ReturnType<typeof setTimeout> | undefined;
    const keepFresh = (links: Map<number, SignedUrl>) => {
      const delay = refreshDelay(links.values(), Date.now());
      if (delay === null || disposed) return;
      refreshTimer = setTimeout(() => {
        mediaLinks
          .resolve(taskKey, data, true)
          .then((fresh) => {
            if (disposed) return;
            swapMediaSources(root, links, fresh);
            keepFresh(fresh);
          })
          .catch(() => {
            if (!disposed) refreshTimer = setTimeout(() => keepFresh(links), RETRY_REFRESH_MS);
          });
      }, delay);
    };

    Promise.all([loadLabelStudio(), signing])
      .then(([LabelStudio, signed]) => {
        if (disposed) return;
        keepFresh(signed.links);
        const interfaces = readOnlyRef.current
          ? ['side-column']
          : withControls
            ? [...EDIT_INTERFACES, ...CONTROL_INTERFACES]
            : EDIT_INTERFACES;
        instance = new LabelStudio(root, {
          config,
          interfaces,
          user: { pk: userId || 1, firstName: userName, lastName: '' },
          task: {
            id: taskId,
            data: signed.data,
            annotations: result && result.length ? [{ id: `task-${taskId}-prev`, result }] : [],
            predictions: predictions ?? [],
          },
          onLabelStudioLoad(store) {
            if (disposed) {
              /* Unmounted while loading: destroy() only works once Label Studio has rendered. */
              setTimeout(() => instance?.destroy(), 0);
              return;
            }
            storeRef.current = store;
            const as = store.annotationStore;
            if (as.annotations.length > 0) {
              as.selectAnnotation(as.annotations[0].id);
            } else if (!readOnlyRef.current && as.predictions?.length > 0) {
              /* The model's regions, as the annotator's own to correct. */
              const a = as.addAnnotationFromPrediction(as.predictions[0]);
              as.selectAnnotation(a.id);
            } else {
              const a = as.addAnnotation({ userGenerate: true });
              as.selectAnnotation(a.id);
            }
            as.selected?.setEdit(!readOnlyRef.current);
            setReady(true);
            latest.current.onReady?.();
          },
          onSubmitAnnotation(_store, annotation) {
            latest.current.onSubmit?.(serialize(annotation));
          },
          onUpdateAnnotation(_store, annotation) {
            (latest.current.onUpdate ?? latest.current.onSubmit)?.(serialize(annotation));
          },
        });
      })
      .catch((e: Error) => {
        if (!disposed) setError(e.message);
      });

    return () => {
      disposed = true;
      clearTimeout(refreshTimer);
      storeRef.current = null;
      if (instance) {
        instance.destroy();
        window.LabelStudio?.instances?.delete(instance);
      }
      root.remove();
    };
  }, [config, data, result, predictions, taskId, withControls, userId, userName]);

  /* Switching between reviewing and correcting keeps the regions on screen. */
  useEffect(() => {
    storeRef.current?.annotationStore.selected?.setEdit(!readOnly);
  }, [readOnly, ready]);

  useEffect(() => {
    const c = props.controller;
    if (!c) return;
    c.current = {
      getResult: () => {
        const sel = storeRef.current?.annotationStore.selected;
        return sel ? sel.serializeAnnotation() : null;
      },
      focus: () => regionRef.current?.focus(),
    };
    return () => {
      c.current = null;
    };
  }, [props.controller]);

  return (
    <div
      ref={regionRef}
      className={`label-canvas${readOnly ? ' read-only' : ''}`}
      role="region"
      aria-label={label}
      aria-busy={!ready && !error}
      tabIndex={-1}
      data-ready={ready ? 'true' : 'false'}
    >
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!ready && !error && (
        <p className="muted" role="status">
          Loading the labeling canvas…
        </p>
      )}
      <div ref={hostRef} className="label-canvas-host" />
    </div>
  );
}
