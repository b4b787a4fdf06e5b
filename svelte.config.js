import adapter from '@sveltejs/adapter-static';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  kit: {
    // A static site: every page prerendered, 200.html as the SPA fallback for CDNs
    // (index.html would shadow the prerendered start page).
    adapter: adapter({ pages: 'build', assets: 'build', fallback: '200.html', strict: true }),
    // Relative asset paths so the same build works under any CDN subpath.
    paths: { relative: true }
  }
};

export default config;
