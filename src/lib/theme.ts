// The page's theme (SPEC §5: light and dark): the system's, or one chosen and kept in this browser.
// A theme is only the root's color-scheme (app.css colours are light-dark() pairs); charts, which
// draw on a canvas, listen for THEME_EVENT and the system's change to draw again.

export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

const KEY = 'sessionlens-theme';
/** Fired on window when the theme changes (the system's or the chosen one). */
export const THEME_EVENT = 'sessionlens-theme';

export function savedTheme(): Theme {
  try {
    const t = localStorage.getItem(KEY);
    return (THEMES as readonly string[]).includes(t ?? '') ? (t as Theme) : 'system';
  } catch {
    return 'system'; // storage refused: the system's
  }
}

export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
  try {
    if (theme === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, theme);
  } catch {
    // not kept: this tab still shows it
  }
  window.dispatchEvent(new Event(THEME_EVENT));
}

/** Calls `redraw` whenever the colours change; returns the function that stops listening. */
export function onThemeChange(redraw: () => void): () => void {
  const media = matchMedia('(prefers-color-scheme: dark)');
  media.addEventListener('change', redraw);
  window.addEventListener(THEME_EVENT, redraw);
  return () => {
    media.removeEventListener('change', redraw);
    window.removeEventListener(THEME_EVENT, redraw);
  };
}

/**
 * The colours of CSS custom properties as the page now resolves them ("rgb(…)"): a canvas cannot
 * use var() or light-dark(), so each is resolved through a hidden probe element.
 */
export function resolveColors<K extends string>(vars: Record<K, string>): Record<K, string> {
  const probe = document.createElement('span');
  probe.hidden = true;
  document.body.append(probe);
  const out = {} as Record<K, string>;
  for (const [name, cssVar] of Object.entries(vars) as [K, string][]) {
    probe.style.color = `var(${cssVar})`;
    out[name] = getComputedStyle(probe).color;
  }
  probe.remove();
  return out;
}
