import { defineConfig } from 'vite';

// The command-line tool: the same core as the page, bundled for Node into dist/cli.js.
export default defineConfig({
  build: {
    ssr: 'src/cli/main.ts',
    outDir: 'dist',
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    rollupOptions: { output: { entryFileNames: 'cli.js', format: 'es' } }
  },
  ssr: { noExternal: true }
});
