/// <reference types="vitest/config" />
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/*
 * The Label Studio frontend is a 2 MB prebuilt bundle that sets
 * window.LabelStudio. Bundling it through Vite would re-transpile it for
 * nothing, so it is copied as-is next to the app and loaded with a <script>
 * tag when a canvas first mounts. The version is part of the path, which
 * makes the files safe to cache for as long as the app's hashed assets.
 */
const require = createRequire(import.meta.url);
const lsRoot = dirname(require.resolve('@heartexlabs/label-studio/package.json'));
const lsVersion: string = JSON.parse(readFileSync(join(lsRoot, 'package.json'), 'utf8')).version;
const lsBase = `vendor/label-studio-${lsVersion}`;
const lsFiles: Record<string, { src: string; type: string }> = {
  'main.js': { src: join(lsRoot, 'build/static/js/main.js'), type: 'text/javascript; charset=utf-8' },
  'main.css': { src: join(lsRoot, 'build/static/css/main.css'), type: 'text/css; charset=utf-8' },
};

/* The source maps are dropped: they are 8 MB and the bundle's comment
 * pointing at them would only produce 404s. */
function stripSourceMapComment(text: string): string {
  return text.replace(/\n\/[/*]# sourceMappingURL=[^\n]*\s*$/, '\n');
}

function labelStudioAssets(): Plugin {
  return {
    name: 'labelflow-label-studio-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const prefix = `/${lsBase}/`;
        const url = (req.url || '').split('?')[0];
        const file = url.startsWith(prefix) ? lsFiles[url.slice(prefix.length)] : undefined;
        if (!file) return next();
        res.setHeader('Content-Type', file.type);
        res.end(stripSourceMapComment(readFileSync(file.src, 'utf8')));
      });
    },
    generateBundle() {
      for (const [name, file] of Object.entries(lsFiles)) {
        this.emitFile({
          type: 'asset',
          fileName: `${lsBase}/${name}`,
          source: stripSourceMapComment(readFileSync(file.src, 'utf8')),
        });
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), labelStudioAssets()],
  define: {
    __LS_BASE__: JSON.stringify(lsBase),
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: process.env.LABELFLOW_API || 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
