import adapter from '@sveltejs/adapter-static';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  kit: {
    // A static site: every page prerendered, 200.html as the SPA fallback for CDNs
    // (index.html would shadow the prerendered start page).
    adapter: adapter({ pages: 'build', assets: 'build', fallback: '200.html', strict: true }),
    // Relative asset paths so the same build works under any CDN subpath.
    paths: { relative: true },
    // The page's Content-Security-Policy (SPEC §7: nothing leaves the page). SvelteKit writes it into
    // every prerendered page as a <meta http-equiv> tag and adds the sha256 of its inline start-up
    // script to script-src ('hash' mode): no 'unsafe-inline' for scripts.
    // - script-src 'wasm-unsafe-eval': the core is compiled with WebAssembly.compile in the worker. The
    //   worker is started from a blob: URL (src/lib/worker-start.ts) so that it inherits this policy;
    //   a worker loaded from its own URL gets the policy of its own response, which a static host does
    //   not send: none at all, and its fetches would be unbounded. blob: in worker-src is for that.
    // - worker-src 'self': the service worker (src/service-worker.ts).
    // - connect-src: 'self' for what the page fetches on its own (the core, the sample); the rest is for
    //   "Stream from URL", a log the user asks for (SPEC §7): https: anywhere, and plain http only from
    //   this machine (localhost, 127.0.0.1: a log served locally; browsers let even an https page reach
    //   these). Plain http to other hosts stays refused: it would carry the log unencrypted. The page
    //   checks a typed URL against the same rules first (CONNECT_SRC in src/lib/sources/url.ts, kept
    //   equal to this list by its test), so the user reads why rather than a bare "Failed to fetch".
    // - style-src 'self': component styles are built into .css files, and Svelte sets style values
    //   through the CSSOM (el.style), which CSP does not restrict. No 'unsafe-inline'.
    // - style-src-attr: the one style attribute written as markup is that of SvelteKit's route
    //   announcer (<div id="svelte-announcer" style="position: absolute; …">, generated root.svelte);
    //   'unsafe-hashes' with its sha256 allows exactly that value and no other. A SvelteKit upgrade
    //   that changes it shows up as a violation in tests/e2e/privacy.test.ts.
    // - frame-ancestors (like report-uri and sandbox) is ignored in a <meta> tag, and SvelteKit leaves
    //   it out: a host that must refuse framing has to send it as a response header.
    // tests/e2e/privacy.test.ts parses the built tag and checks each directive.
    csp: {
      mode: 'hash',
      directives: {
        'default-src': ['self'],
        'script-src': ['self', 'wasm-unsafe-eval'],
        'worker-src': ['self', 'blob:'],
        'connect-src': ['self', 'https:', 'http://localhost:*', 'http://127.0.0.1:*'],
        'style-src': ['self'],
        'style-src-attr': ['unsafe-hashes', 'sha256-S8qMpvofolR8Mpjy4kQvEm7m1q8clzU4dfDH0AmvZjo='],
        'img-src': ['self', 'data:'],
        'font-src': ['self'],
        'manifest-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['none']
      }
    },
    // src/service-worker.ts caches the app for offline use; the static folder's notes stay out.
    serviceWorker: {
      files: (file) => !file.endsWith('.md') && !file.endsWith('.DS_Store')
    }
  }
};

export default config;
