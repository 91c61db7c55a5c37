/*
 * Loading the Label Studio frontend: a prebuilt bundle (built by
 * vite.config.ts into /vendor/label-studio-<version>/) that defines
 * window.LabelStudio. Loaded once, on first use, so pages without a canvas
 * do not pay for its 2 MB.
 */

declare const __LS_BASE__: string;

/* The parts of Label Studio's objects this app uses. */
export interface LsAnnotation {
  id: string;
  serializeAnnotation(): unknown[];
  setEdit(editable: boolean): void;
  editable: boolean;
}

export interface LsStore {
  annotationStore: {
    annotations: LsAnnotation[];
    predictions: LsAnnotation[];
    selected: LsAnnotation | null;
    addAnnotation(opts: { userGenerate: boolean }): LsAnnotation;
    /* A new, editable annotation that starts as a copy of the prediction. */
    addAnnotationFromPrediction(prediction: LsAnnotation): LsAnnotation;
    selectAnnotation(id: string): void;
  };
}

/* A pre-annotation as Label Studio takes it. */
export interface LsPrediction {
  id: number;
  result: unknown[];
  model_version: string;
  score?: number;
}

export interface LsInstance {
  destroy(): void;
  store?: LsStore;
}

export interface LsOptions {
  config: string;
  interfaces: string[];
  user: { pk: number; firstName: string; lastName: string };
  task: { id: number; data: Record<string, unknown>; annotations: { id: string; result: unknown[] }[]; predictions: LsPrediction[] };
  onLabelStudioLoad?: (store: LsStore) => void;
  onSubmitAnnotation?: (store: LsStore, annotation: LsAnnotation) => void;
  onUpdateAnnotation?: (store: LsStore, annotation: LsAnnotation) => void;
}

export interface LsConstructor {
  new (root: HTMLElement, options: LsOptions): LsInstance;
  instances?: Set<LsInstance>;
}

declare global {
  interface Window {
    LabelStudio?: LsConstructor;
  }
}

const base = `${import.meta.env.BASE_URL}${__LS_BASE__}`;
let loading: Promise<LsConstructor> | null = null;

export function loadLabelStudio(): Promise<LsConstructor> {
  if (window.LabelStudio) return Promise.resolve(window.LabelStudio);
  if (!loading) {
    loading = new Promise<LsConstructor>((resolve, reject) => {
      if (!document.querySelector('link[data-label-studio]')) {
        const css = document.createElement('link');
        css.rel = 'stylesheet';
        css.href = `${base}/main.css`;
        css.dataset.labelStudio = '';
        /* Before our own stylesheet, so the app's styles win where both apply. */
        document.head.insertBefore(css, document.head.firstChild);
      }
      const script = document.createElement('script');
      script.src = `${base}/main.js`;
      script.async = true;
      script.onload = () =>
        window.LabelStudio ? resolve(window.LabelStudio) : reject(new Error('The labeling canvas script loaded but did not start.'));
      script.onerror = () => reject(new Error('The labeling canvas could not be loaded. Reload the page to try again.'));
      document.head.appendChild(script);
    }).catch((e) => {
      loading = null;
      throw e;
    });
  }
  return loading;
}

/*
 * Warms the browser's cache with the canvas bundle without running it
 * (2 MB of script to parse is only paid where a canvas is shown): called
 * where a labeling page is likely next, such as the list of one's projects.
 * This is the only "preloading of the next task" that holds no lease: which
 * task comes next is known only by claiming it, and claiming ahead would
 * keep a second task locked (and its escrow held) away from everyone else.
 */
export function prefetchLabelStudio(): void {
  if (window.LabelStudio || loading) return;
  for (const [file, as] of [
    ['main.js', 'script'],
    ['main.css', 'style'],
  ] as const) {
    const href = `${base}/${file}`;
    if (document.querySelector(`link[rel="prefetch"][href="${href}"]`)) continue;
    const link = document.createElement('link');
    link.rel = 'prefetch';
    link.setAttribute('as', as);
    link.href = href;
    document.head.appendChild(link);
  }
}
