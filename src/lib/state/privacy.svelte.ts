// Privacy mode as the page's reactive state: one for the page, read by every view that shows an IP
// (through `privacy.ip`) and by the CSV export. Kept in localStorage (privacy.ts says why); other
// tabs follow a change through the storage event.
import { displayIp, savePrivacy, savedPrivacy } from '../privacy';

class PrivacyMode {
  #masked = $state(savedPrivacy());

  constructor() {
    if (typeof window !== 'undefined') window.addEventListener('storage', () => (this.#masked = savedPrivacy()));
  }

  /** IP addresses are masked wherever they are shown or exported. */
  get masked(): boolean {
    return this.#masked;
  }
  set masked(on: boolean) {
    this.#masked = on;
    savePrivacy(on);
  }

  /** An IP address as the page shows it now. */
  ip(ip: string | null | undefined): string {
    return displayIp(ip, this.#masked);
  }
}

export const privacy = new PrivacyMode();
